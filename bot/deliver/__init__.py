"""Delivery: planning, outbox, rendering, sending and digests."""

"""Feed ingestion: fetch, parse, normalize, schedule and store feed items."""

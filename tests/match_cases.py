"""Hand-written news items (our own sentences) and what the matcher must make of them."""

from __future__ import annotations

from bot.match.features import ItemText

# (item, claim it must match, stance it must get or None for "any")
MATCHED = [
    (
        ItemText(
            "White House sets date for president's Beijing trip",
            "The US president will fly to China next month for two days of talks with Xi Jinping, "
            "his press secretary said.",
        ),
        "trump-xi-visit",
        None,
    ),
    (
        ItemText(
            "Russian arms makers lean on Chinese lathes",
            "Chinese-made machine tools now make up most of the equipment imported by Russian "
            "weapons factories, customs records show.",
        ),
        "russia-depends-on-china",
        None,
    ),
    (
        ItemText(
            "Kremlin rejects US ceasefire proposal",
            "Moscow said it would only halt fighting if Ukraine withdrew from four regions, hours "
            "after a wave of missile strikes on Kyiv.",
        ),
        "kremlin-escalates-on-ceasefire",
        None,
    ),
]

# Negated and postponed forecasts.
CONTRADICTING = [
    (
        ItemText(
            "Trump's China trip put off until autumn",
            "President Trump will not travel to Beijing in April after all; officials said the "
            "summit with Xi has been postponed.",
        ),
        "trump-xi-visit",
    ),
    (
        ItemText(
            "Beijing summit off for now",
            "The White House said the president's visit to China has been cancelled, citing "
            "scheduling problems.",
        ),
        "trump-xi-visit",
    ),
]

# Same actors, other topics; and news that has nothing to do with any claim.
SILENT = [
    ItemText(
        "Xi opens new high-speed rail line in Yunnan",
        "The Chinese leader rode the first train on the line, which links Kunming with the Laos "
        "border.",
    ),
    ItemText(
        "Russian and Chinese skaters share podium at Grand Prix final",
        "A Russian pair and a Chinese pair took silver and bronze in the figure skating event "
        "in Beijing.",
    ),
    ItemText(
        "Heavy rain floods streets in Lisbon",
        "Firefighters pumped water from basements after a night of storms in Portugal's capital.",
    ),
    ItemText(
        "Manchester City sign Brazilian striker", "The club paid a record fee for the forward."
    ),
    # Other languages: unrelated news, and the claims' actors on another topic.
    ItemText(
        "В Москве открылась выставка современного искусства",
        "Музей покажет работы молодых художников до конца весны.",
        "ru",
    ),
    ItemText(
        "Российские и китайские фигуристы разделили пьедестал в Пекине",
        "На этапе Гран-при пары из России и Китая заняли второе и третье места.",
        "ru",
    ),
    ItemText("北京马拉松吸引三万名选手参赛", "比赛当天天气晴朗，多名外国选手刷新个人纪录。", "zh"),
]

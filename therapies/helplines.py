"""Specialist helplines by country, shown beside the general crisis lines on the pages they concern.

Kept as data with the date each was last checked and the page it was checked on (read through the project's
search tool; a number that could not be confirmed on such a page is left out, so some countries and topics
have none yet). The general crisis lines (emergency numbers, 988, Samaritans) are in
templates/includes/crisis_lines.html.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

EATING_DISORDERS, VETERANS, YOUNG_PEOPLE, DOMESTIC_ABUSE = "eating_disorders", "veterans", "young_people", "domestic_abuse"
TOPIC_NAMES = {
    EATING_DISORDERS: "Eating disorders",
    VETERANS: "Veterans and service members",
    YOUNG_PEOPLE: "Children and young people",
    DOMESTIC_ABUSE: "Domestic abuse",
}


@dataclass(frozen=True)
class Helpline:
    topic: str
    country: str
    name: str
    contact: str  # what to dial or text, as the service gives it
    tel: str  # digits for a tel: link; "" when the contact is not a plain number
    hours: str
    url: str  # the service's own site
    checked_at: str  # the page the number was confirmed on
    last_checked: datetime.date


CHECKED = datetime.date(2026, 11, 30)
HELPLINES = (
    Helpline(EATING_DISORDERS, "UK", "Beat adult helpline", "0808 801 0677", "08088010677", "",
             "https://www.beateatingdisorders.org.uk/", "https://slam.nhs.uk/eating-disorders-condition", CHECKED),
    Helpline(EATING_DISORDERS, "UK", "Beat youth helpline", "0808 801 0711", "08088010711", "",
             "https://www.beateatingdisorders.org.uk/", "https://slam.nhs.uk/eating-disorders-condition", CHECKED),
    Helpline(VETERANS, "US", "Veterans Crisis Line", "Dial 988 then press 1, or text 838255", "", "24 hours",
             "https://www.veteranscrisisline.net/", "http://veteranscrisisline.net/About/VeteranSuicide.aspx", CHECKED),
    Helpline(YOUNG_PEOPLE, "UK", "Childline (under 19s)", "0800 1111", "08001111", "Free",
             "https://www.childline.org.uk/",
             "https://www.sunderlandecho.com/news/opinion/columnists/childline-advice-when-a-child-contacts-us-we-will-listen-and-support-them-3817957",
             CHECKED),
    Helpline(DOMESTIC_ABUSE, "UK", "National Domestic Abuse Helpline (Refuge)", "0808 2000 247", "08082000247",
             "Free, 24 hours", "https://www.nationaldahelpline.org.uk/",
             "https://refuge.org.uk/news/refuge-response-to-home-secretary-announcement-of-support-for-domestic-abuse-victims",
             CHECKED),
    Helpline(DOMESTIC_ABUSE, "US", "National Domestic Violence Hotline", "800-799-7233, or text START to 88788",
             "8007997233", "24 hours", "https://www.thehotline.org/",
             "https://ovc.ojp.gov/news/grantee-news/national-domestic-violence-hotline-answers-6-million-contacts", CHECKED),
)

# Which specialist lines a condition's page shows, by its category (and a few by the condition itself).
CATEGORY_TOPICS = {
    "eating": (EATING_DISORDERS,),
    "trauma_stress": (VETERANS, DOMESTIC_ABUSE),
    "relationships_wellbeing": (DOMESTIC_ABUSE,),
    "substance_use": (DOMESTIC_ABUSE,),
    "neurodevelopmental": (YOUNG_PEOPLE,),
}


def helplines_for(category: str) -> list[tuple[str, list[Helpline]]]:
    """(topic name, its helplines) for a condition category, in the order the category lists them."""
    return [
        (TOPIC_NAMES[topic], [line for line in HELPLINES if line.topic == topic])
        for topic in CATEGORY_TOPICS.get(category, ())
    ]


def helplines_by_topic() -> list[tuple[str, list[Helpline]]]:
    """Every topic with its helplines, for the help page."""
    return [(name, [line for line in HELPLINES if line.topic == topic]) for topic, name in TOPIC_NAMES.items()]

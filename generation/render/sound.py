"""The sound track, synthesised with numpy: one distinct bed per shot, hits on cuts, "voices".

Per shot: filtered noise (its brightness and level from the shot's words: rain and sea are
bright and loud, night is dark and quiet), a sustained chord whose root and quality come from a
hash of the shot (so every shot sounds different), a low hit plus a noise burst at each cut,
and dialogue as a syllable-rate pattern of voiced tones (pitch from the speaker, rhythm from
the words), so sound and picture change together at every cut. Everything is vectorised; the
only Python loops run over shots, voices and syllables.
"""

from __future__ import annotations

import re

from generation.render.encoder import SAMPLE_RATE
from generation.render.scene import digest, shot_words

_BRIGHT = re.compile(r"\brain|\bstorm|\bsea\b|\bocean\b|\bwave|\bwind|\bcity\b|\bstreet|\bfire")
_QUIET = re.compile(r"\bnight\b|\bsnow|\bquiet\b|\bsilen|\bspace\b|\bsleep")
_VOWELS = re.compile(r"[aeiouy]+", re.IGNORECASE)
PEAK = 0.89


def synthesize_track(shots: list[dict], frame_counts: list[int], *, seed: int, fps: int):
    """Stereo float32 samples, shape (2, total), each shot exactly its frames' duration."""
    import numpy as np

    per_frame = SAMPLE_RATE // fps
    segments = [
        _shot_audio(shot, count * per_frame, seed=seed, first=(number == 0))
        for number, (shot, count) in enumerate(zip(shots, frame_counts, strict=True))
    ]
    track = np.concatenate(segments, axis=1)
    peak = float(np.max(np.abs(track))) or 1.0
    track *= PEAK / peak
    return np.ascontiguousarray(track, dtype=np.float32)


def _shot_audio(shot: dict, n: int, *, seed: int, first: bool):
    import numpy as np

    words = shot_words(shot)
    key = digest("sound", seed, shot.get("index"), words)
    rng = np.random.default_rng(key)
    t = np.arange(n, dtype=np.float32) / np.float32(SAMPLE_RATE)
    out = np.zeros((2, n), np.float32)

    # Ambience: Gaussian noise under a low-pass whose corner depends on the shot, decorrelated
    # between the two channels. Drawn as a random spectrum times the filter, one inverse FFT
    # for both channels: the same noise as filtering white noise, without the forward FFT
    # (that and float64 made the ambience ~90 % of a clip's sound synthesis).
    bright = bool(_BRIGHT.search(words))
    quiet = bool(_QUIET.search(words))
    corner = (1800 + key % 2500) if bright else (250 + key % 700)
    level = 0.05 if quiet else (0.16 if bright else 0.08)
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE).astype(np.float32)
    shape = 1 / (1 + (freqs / np.float32(corner)) ** 2)
    bins = (2, freqs.size)
    spectrum = rng.standard_normal(bins, np.float32) + 1j * rng.standard_normal(bins, np.float32)
    noise = np.fft.irfft(spectrum * shape, n, axis=1)
    for channel in range(2):
        out[channel] += (level / (np.std(noise[channel]) or 1.0)) * noise[channel]

    # Chord: root from MIDI 45–64, major or minor, slow tremolo, fades at both ends.
    root = 45 + (key >> 8) % 20
    third = 4 if (key >> 16) % 2 else 3
    tremolo = 1 + 0.25 * np.sin(2 * np.pi * (0.2 + (key >> 20) % 8 / 10) * t)
    fade = np.minimum(1.0, np.minimum(t / 0.08, (n / SAMPLE_RATE - t) / 0.08))
    chord = np.zeros(n, np.float32)
    for step, gain in ((0, 1.0), (third, 0.7), (7, 0.6), (12, 0.35)):
        freq = 440 * 2 ** ((root + step - 69) / 12)
        chord += gain * np.sin(2 * np.pi * freq * t)
    chord *= 0.06 * tremolo * np.clip(fade, 0, 1)
    pan = 0.3 + 0.4 * ((key >> 24) % 100) / 100
    out[0] += chord * (1 - pan) * 2
    out[1] += chord * pan * 2

    # Transition hit on every cut: a decaying 55 Hz thump and a short noise burst.
    if not first:
        hit_n = min(n, int(0.3 * SAMPLE_RATE))
        th = t[:hit_n]
        hit = 0.5 * np.sin(2 * np.pi * 55 * th) * np.exp(-th / 0.09)
        hit += 0.25 * rng.standard_normal(hit_n, np.float32) * np.exp(-th / 0.025)
        out[:, :hit_n] += hit

    dialogue = (shot.get("dialogue") or "").strip()
    if dialogue:
        voice = _voice(dialogue, shot.get("subject") or "", n, seed)
        out += voice
    return out


def _voice(dialogue: str, speaker: str, n: int, seed: int):
    """Syllables as short voiced tones at ~5 per second, a pause between words."""
    import numpy as np

    pitch = 110 + digest("voice", seed, speaker.lower()) % 120
    syllables: list[tuple[float, float]] = []  # (start second, pitch factor)
    words = [w for w in re.split(r"\s+", dialogue) if w]
    clock, length, gap = 0.15, 0.15, 0.05
    end = n / SAMPLE_RATE - 0.1
    for word_index, word in enumerate(words):
        count = max(1, len(_VOWELS.findall(word)))
        for syllable in range(count):
            if clock + length > end:
                break
            rise = 1 + 0.08 * np.sin(1.7 * word_index + syllable)
            syllables.append((clock, rise))
            clock += length + gap
        clock += 0.08
        if word.endswith((".", "!", "?", ",")):
            clock += 0.15
    envelope = np.zeros(n)
    frequency = np.full(n, float(pitch))
    window = np.hanning(int(length * SAMPLE_RATE))
    for start, rise in syllables:
        i = int(start * SAMPLE_RATE)
        j = min(n, i + window.size)
        envelope[i:j] = window[: j - i]
        frequency[i:j] = pitch * rise
    # The phase summed in float64 (100k+ steps), wrapped, then the harmonics in float32.
    phase = np.mod(2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE, 2 * np.pi).astype(np.float32)
    tone = sum(np.sin(k * phase) / np.float32(k) for k in (1, 2, 3, 4))
    voice = np.float32(0.22) * tone * envelope.astype(np.float32)
    return np.stack([voice, voice])

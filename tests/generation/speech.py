"""A tiny speech codec for the transcript hook's tests: text is "spoken" as one tone per
character (frequency-shift keying), and `fsk_transcriber` — a real decoder — turns a clip's
sound back into text by finding each tone burst and its pitch. It reads whatever the audio
says (different sound, different transcript), the way a speech-to-text model would."""

ALPHABET = " abcdefghijklmnopqrstuvwxyz"
BASE_HZ, STEP_HZ = 600.0, 60.0
SYMBOL_SECONDS, GAP_SECONDS = 0.06, 0.04
RATE = 48_000


def speak(text: str):
    """Mono float32 samples at RATE: each known character a tone burst, with gaps."""
    import numpy as np

    pieces = [np.zeros(int(0.2 * RATE), np.float32)]
    symbol = np.arange(int(SYMBOL_SECONDS * RATE)) / RATE
    window = np.hanning(symbol.size)
    for char in text.lower():
        if char not in ALPHABET:
            continue
        freq = BASE_HZ + STEP_HZ * ALPHABET.index(char)
        pieces.append((0.5 * window * np.sin(2 * np.pi * freq * symbol)).astype(np.float32))
        pieces.append(np.zeros(int(GAP_SECONDS * RATE), np.float32))
    return np.concatenate(pieces)


def write_speaking_clip(path, text: str, *, seconds: int = 4, size=(720, 1280)):
    """An H.264 + AAC MP4 whose picture moves and whose sound says `text` (what a model that
    makes its own speech hands back)."""
    import av
    import numpy as np

    voice = speak(text)
    total = seconds * RATE
    assert voice.size <= total, "text too long for the clip"
    voice = np.pad(voice, (0, total - voice.size))
    width, height = size
    rng = np.random.default_rng(4)
    base = rng.integers(0, 255, size=(height // 40, width // 40, 3), dtype=np.uint8)
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        sound = out.add_stream("aac", rate=RATE, layout="stereo")
        for index in range(seconds * 24):
            picture = np.kron(np.roll(base, index, axis=1), np.ones((40, 40, 1), np.uint8))
            out.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(video.encode())
        for start in range(0, total, 1024):
            chunk = voice[start : start + 1024]
            frame = av.AudioFrame.from_ndarray(
                np.stack([chunk, chunk]), format="fltp", layout="stereo"
            )
            frame.sample_rate, frame.pts = RATE, start
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
    return path


def fsk_transcriber(*, samples, sample_rate, video_path):
    """Decode tone bursts: 10 ms energy frames find each burst, its spectrum's peak its
    character."""
    import numpy as np

    step = sample_rate // 100
    frames = samples[: samples.size // step * step].reshape(-1, step)
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.05
    text, start = [], None
    for index, on in enumerate([*loud, False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if index - start >= 3:
                burst = samples[start * step : index * step]
                spectrum = np.abs(np.fft.rfft(burst * np.hanning(burst.size)))
                peak = np.fft.rfftfreq(burst.size, 1 / sample_rate)[spectrum.argmax()]
                position = round((peak - BASE_HZ) / STEP_HZ)
                if 0 <= position < len(ALPHABET):
                    text.append(ALPHABET[position])
            start = None
    return "".join(text).strip()


def crashing_transcriber(*, samples, sample_rate, video_path):
    raise RuntimeError("the speech model ran out of memory")

"""One still picture per shot, larger than the frame, that the camera then moves across.

Everything here runs once per shot (never per frame): a palette from the shot's words, a sky
and ground gradient, a sun or moon, a ridge of hills or a skyline, weather, and the subject as
a silhouette, drawn with Pillow/numpy at `MARGIN` times the frame size and converted to the
Y, U and V planes the encoder takes (BT.601, limited range), so frames are crops of arrays.

Text overlays (caption at the top, dialogue as a subtitle) are prepared here too, as small
pre-multiplied bands that `Overlay.apply` blends into each frame.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

MARGIN = 1.4  # canvas / frame: room for a visible pan, tilt or zoom

# Word → hue in degrees (first match in the shot's words wins; otherwise a hash picks one).
_HUE_WORDS = (
    (r"\bred\b|\bcrimson\b|\bblood\b|\bruby\b", 0),
    (r"\bfire\b|\bflame|\blava\b|\bember", 12),
    (r"\borange\b|\bautumn\b|\bsunset\b|\bdusk\b|\bsunrise\b|\bdawn\b", 25),
    (r"\bdesert\b|\bsand|\bdune", 38),
    (r"\byellow\b|\bgold|\bsun\b|\bsunny\b|\bhoney\b|\bwheat\b", 50),
    (r"\bgreen\b|\bforest|\bgrass|\bjungle\b|\bleaf|\bleaves\b|\bmeadow|\bgarden\b|\bpark\b", 120),
    (r"\bteal\b|\bturquoise\b|\blagoon\b|\bmint\b", 170),
    (r"\bocean\b|\bsea\b|\bwater\b|\bblue\b|\brain|\briver\b|\blake\b|\bwave|\bsky\b", 210),
    (r"\bice\b|\bsnow|\bwinter\b|\bfrozen\b|\bglacier\b", 200),
    (r"\bneon\b|\bpurple\b|\bviolet\b|\bcyberpunk\b|\bgalaxy\b|\bspace\b", 275),
    (r"\bpink\b|\brose\b|\bcandy\b|\bflower|\bblossom", 330),
)
_NIGHT = re.compile(r"\bnight\b|\bmidnight\b|\bdark\b|\bmoon|\bstars?\b|\bspace\b|\bgalaxy\b")
_WARM_SKY = re.compile(r"\bsunset\b|\bdusk\b|\bsunrise\b|\bdawn\b|\bgolden hour\b")
_PALE = re.compile(r"\bsnow|\bwinter\b|\bice\b|\bfog|\bmist|\bwhite\b|\bcloud")
_CITY = re.compile(r"\bcity\b|\bstreet|\bbuilding|\bskyline\b|\btown\b|\broof|\bneon\b|\boffice")
_WATER = re.compile(r"\bocean\b|\bsea\b|\blake\b|\bbeach\b|\briver\b|\bwave|\bsurf")
_RAIN = re.compile(r"\brain|\bstorm|\bdrizzle")
_SNOW = re.compile(r"\bsnow")
_INDOOR = re.compile(r"\bkitchen\b|\broom\b|\boffice\b|\bcafe\b|\bcoffee\b|\bbar\b|\bint\b|\bhouse")


def digest(*parts) -> int:
    data = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def shot_words(shot: dict) -> str:
    return " ".join(
        str(shot.get(key) or "") for key in ("subject", "action", "caption", "notes", "dialogue")
    ).lower()


@dataclass
class Planes:
    """A picture as limited-range BT.709 planes: y is (h, w), u and v are (h/2, w/2)."""

    y: object
    u: object
    v: object


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360, max(0, min(1, saturation)), value)
    return round(r * 255), round(g * 255), round(b * 255)


def palette(shot: dict, seed: int) -> dict:
    words = shot_words(shot)
    jitter = digest("palette", seed, shot.get("subject"), shot.get("action"))
    hue = next((h for pattern, h in _HUE_WORDS if re.search(pattern, words)), None)
    if hue is None:
        hue = jitter % 360
    hue = hue + (jitter >> 12) % 21 - 10
    night, warm, pale = bool(_NIGHT.search(words)), bool(_WARM_SKY.search(words)), False
    pale = bool(_PALE.search(words))
    if night:
        sky = (_rgb(hue + 200, 0.7, 0.10), _rgb(hue + 220, 0.6, 0.30))
        ground = (_rgb(hue, 0.5, 0.22), _rgb(hue, 0.6, 0.08))
        light = (235, 235, 210)
    elif warm:
        sky = (_rgb(hue + 230, 0.55, 0.45), _rgb(hue, 0.85, 1.0))
        ground = (_rgb(hue - 10, 0.7, 0.45), _rgb(hue - 20, 0.8, 0.18))
        light = (255, 226, 150)
    else:
        sat = 0.18 if pale else 0.55
        sky = (_rgb(hue + 190 if hue < 150 else hue, sat, 0.95), _rgb(hue + 200, sat * 0.5, 1.0))
        ground = (_rgb(hue, 0.2 if pale else 0.65, 0.9 if pale else 0.7), _rgb(hue, 0.75, 0.35))
        light = (255, 250, 225)
    subject = _rgb(hue + 180, 0.55, 0.18 if not night else 0.85)
    accent = _rgb(hue + 150, 0.8, 0.95)
    return {
        "hue": hue,
        "sky": sky,
        "ground": ground,
        "light": light,
        "subject": subject,
        "accent": accent,
        "night": night,
    }


def load_pictures(characters) -> list[tuple[str, object]]:
    """(lower-case handle, RGBA Pillow image) for each (handle, PNG path) character."""
    from PIL import Image

    pictures = []
    for handle, path in characters or ():
        with Image.open(path) as image:
            pictures.append((handle.lower(), image.convert("RGBA")))
    return pictures


def picture_for(shot: dict, pictures: list):
    """The picture of the character the shot's text names, else the first one, or None."""
    if not pictures:
        return None
    words = shot_words(shot).lower()
    for handle, image in pictures:
        if re.search(rf"(?<![a-z0-9_]){re.escape(handle)}(?![a-z0-9_])", words):
            return image
    return pictures[0][1]


def draw_scene(shot: dict, *, width: int, height: int, seed: int, picture=None):
    """The shot's canvas as Planes of size (height*MARGIN, width*MARGIN), rounded to /4; with
    `picture` (a character's RGBA image) that picture stands in for the drawn subject."""
    import numpy as np
    from PIL import Image, ImageDraw

    cw = int(width * MARGIN) // 4 * 4
    ch = int(height * MARGIN) // 4 * 4
    words = shot_words(shot)
    colours = palette(shot, seed)
    rng = np.random.default_rng(digest("scene", seed, shot.get("index"), words))

    horizon = int(ch * (0.52 + 0.16 * rng.random()))
    rows = np.empty((ch, 3), np.float32)
    top, bottom = np.array(colours["sky"], np.float32)
    t = np.linspace(0, 1, horizon, dtype=np.float32)[:, None]
    rows[:horizon] = top * (1 - t) + bottom * t
    top, bottom = np.array(colours["ground"], np.float32)
    t = np.linspace(0, 1, ch - horizon, dtype=np.float32)[:, None]
    rows[horizon:] = top * (1 - t) + bottom * t
    column = Image.fromarray(np.ascontiguousarray(rows[:, None, :].astype(np.uint8)), "RGB")
    image = column.resize((cw, ch), Image.Resampling.NEAREST)  # one gradient column, stretched
    draw = ImageDraw.Draw(image)
    unit = min(cw, ch)

    # Sun or moon, with two rings of glow.
    radius = int(unit * (0.07 + 0.05 * rng.random()))
    sun_x = int(cw * (0.2 + 0.6 * rng.random()))
    sun_y = int(horizon * (0.2 + 0.45 * rng.random()))
    glow = [_mix(colours["light"], colours["sky"][1], f) for f in (0.75, 0.5)]
    for ring, colour in zip((2.2, 1.5), glow, strict=True):
        r = int(radius * ring)
        draw.ellipse((sun_x - r, sun_y - r, sun_x + r, sun_y + r), fill=colour)
    draw.ellipse((sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius),
                 fill=colours["light"])  # fmt: skip

    if colours["night"]:
        for x, y in zip(rng.integers(0, cw, 70), rng.integers(0, horizon, 70), strict=True):
            s = int(rng.integers(1, 4))
            draw.rectangle((x, y, x + s, y + s), fill=(240, 240, 255))

    far = _mix(colours["ground"][0], colours["sky"][1], 0.45)
    if _CITY.search(words):
        x = 0
        while x < cw:
            w = int(unit * (0.06 + 0.08 * rng.random()))
            h = int(horizon * (0.15 + 0.45 * rng.random()))
            draw.rectangle((x, horizon - h, x + w, horizon), fill=far)
            for wy in range(horizon - h + 12, horizon - 12, max(8, unit // 40)):
                for wx in range(x + 6, x + w - 8, max(8, unit // 50)):
                    if rng.random() < 0.35:
                        draw.rectangle((wx, wy, wx + 4, wy + 6), fill=colours["accent"])
            x += w + int(unit * 0.01)
    elif not _INDOOR.search(words):
        xs = np.linspace(0, cw, 48)
        phase = rng.random(3) * 6.3
        ridge = horizon - unit * (
            0.05
            + 0.04 * np.sin(xs / cw * 6.3 * 1.3 + phase[0])
            + 0.03 * np.sin(xs / cw * 6.3 * 3.1 + phase[1])
            + 0.015 * np.sin(xs / cw * 6.3 * 7.7 + phase[2])
        )
        points = [(0, horizon)] + [(float(a), float(b)) for a, b in zip(xs, ridge, strict=True)]
        draw.polygon(points + [(cw, horizon)], fill=far)
    else:
        # Indoors: a back wall with a window and a table edge instead of a horizon.
        wall = _mix(colours["ground"][0], (200, 190, 170), 0.5)
        draw.rectangle((0, 0, cw, horizon), fill=wall)
        wx, wy = int(cw * (0.15 + 0.4 * rng.random())), int(horizon * 0.2)
        draw.rectangle(
            (wx, wy, wx + int(cw * 0.3), wy + int(horizon * 0.4)), fill=colours["sky"][1]
        )
        draw.rectangle((0, horizon, cw, horizon + unit // 30), fill=_mix(wall, (60, 40, 30), 0.6))

    if _WATER.search(words):
        for y in range(horizon + 6, ch, max(10, unit // 45)):
            offset = int(rng.integers(0, 40))
            for x in range(-offset, cw, max(60, unit // 8)):
                draw.line((x, y, x + unit // 20, y), fill=colours["light"], width=2)

    if picture is not None:
        centre = _place_picture(image, picture, rng, cw=cw, ch=ch, horizon=horizon, unit=unit)
    else:
        centre = _draw_subject(draw, colours, rng, words, cw=cw, ch=ch, horizon=horizon, unit=unit)

    if _RAIN.search(words):
        for x, y in zip(rng.integers(0, cw, 260), rng.integers(0, ch, 260), strict=True):
            draw.line((x, y, x - 6, y + 26), fill=(200, 210, 230), width=2)
    if _SNOW.search(words):
        for x, y in zip(rng.integers(0, cw, 220), rng.integers(0, ch, 220), strict=True):
            draw.ellipse((x, y, x + 6, y + 6), fill=(250, 250, 255))

    return rgb_to_planes(image), centre


_VEHICLE = re.compile(r"\bcar\b|\btruck\b|\bbus\b|\btrain\b|\bvan\b|\btaxi\b|\bbike\b")
_CREATURE = re.compile(
    r"\bcat|\bdog|\bfox|\bbird|\banimal|\bcreature|\brobot|\bbear\b|\bwolf|\bhorse|\bowl\b"
)


def _draw_subject(draw, colours, rng, words, *, cw, ch, horizon, unit) -> tuple[int, int]:
    """The subject as a silhouette on the ground line; returns its centre on the canvas."""
    size = int(unit * (0.30 + 0.1 * rng.random()))
    x = int(cw * (0.33 if rng.random() < 0.5 else 0.62) + unit * 0.08 * (rng.random() - 0.5))
    base = int(horizon + (ch - horizon) * (0.3 + 0.25 * rng.random()))
    body, accent = colours["subject"], colours["accent"]
    shadow = _mix(colours["ground"][1], (0, 0, 0), 0.4)
    draw.ellipse((x - size * 0.45, base - size * 0.06, x + size * 0.45, base + size * 0.06),
                 fill=shadow)  # fmt: skip
    if _VEHICLE.search(words):
        top = base - size * 0.45
        draw.rounded_rectangle((x - size * 0.7, top, x + size * 0.7, base - size * 0.1),
                               radius=int(size * 0.12), fill=body)  # fmt: skip
        draw.rounded_rectangle((x - size * 0.4, top - size * 0.25, x + size * 0.35, top + 4),
                               radius=int(size * 0.1), fill=body)  # fmt: skip
        for wx in (x - size * 0.42, x + size * 0.42):
            r = size * 0.15
            draw.ellipse((wx - r, base - size * 0.1 - r, wx + r, base - size * 0.1 + r),
                         fill=(20, 20, 20))  # fmt: skip
        draw.rectangle((x - size * 0.3, top - size * 0.18, x + size * 0.25, top - 2), fill=accent)
        return x, int(base - size * 0.35)
    if _CREATURE.search(words):
        draw.ellipse((x - size * 0.5, base - size * 0.55, x + size * 0.5, base), fill=body)
        head = size * 0.22
        hx, hy = x + size * 0.38, base - size * 0.6
        draw.ellipse((hx - head, hy - head, hx + head, hy + head), fill=body)
        draw.polygon([(hx - head * 0.8, hy - head * 0.6), (hx - head * 0.3, hy - head * 1.7),
                      (hx, hy - head * 0.8)], fill=body)  # fmt: skip
        eye = max(3, size * 0.035)
        draw.ellipse((hx + head * 0.2, hy - eye, hx + head * 0.2 + 2 * eye, hy + eye), fill=accent)
        return x, int(base - size * 0.35)
    # A standing figure: legs, body, arms, head.
    leg = size * 0.08
    draw.rectangle((x - size * 0.14, base - size * 0.42, x - size * 0.14 + leg, base), fill=body)
    draw.rectangle((x + size * 0.06, base - size * 0.42, x + size * 0.06 + leg, base), fill=body)
    draw.rounded_rectangle((x - size * 0.2, base - size * 0.8, x + size * 0.2, base - size * 0.38),
                           radius=int(size * 0.08), fill=body)  # fmt: skip
    draw.line((x - size * 0.18, base - size * 0.74, x - size * 0.36, base - size * 0.48),
              fill=body, width=max(2, int(size * 0.07)))  # fmt: skip
    draw.line((x + size * 0.18, base - size * 0.74, x + size * 0.38, base - size * 0.95),
              fill=body, width=max(2, int(size * 0.07)))  # fmt: skip
    head = size * 0.13
    hy = base - size * 0.8 - head * 1.1
    draw.ellipse((x - head, hy - head, x + head, hy + head), fill=body)
    draw.rectangle((x - size * 0.2, base - size * 0.66, x + size * 0.2, base - size * 0.6),
                   fill=accent)  # fmt: skip
    return x, int(base - size * 0.55)


def _place_picture(image, picture, rng, *, cw, ch, horizon, unit) -> tuple[int, int]:
    """Paste the character's picture standing on the ground line where the figure would
    stand (its transparency kept); returns its centre on the canvas."""
    from PIL import Image

    side = int(unit * (0.40 + 0.1 * rng.random()))
    scale = side / max(picture.width, picture.height)  # up or down: a small upload too
    fitted = picture.resize(
        (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
        Image.Resampling.LANCZOS,
    )
    x = int(cw * (0.33 if rng.random() < 0.5 else 0.62))
    base = int(horizon + (ch - horizon) * (0.3 + 0.25 * rng.random()))
    left = max(0, min(cw - fitted.width, x - fitted.width // 2))
    top = max(0, min(ch - fitted.height, base - fitted.height))
    image.paste(fitted, (left, top), fitted)
    return left + fitted.width // 2, top + fitted.height // 2


def _mix(a, b, f: float) -> tuple[int, int, int]:
    return tuple(round(x * (1 - f) + y * f) for x, y in zip(a, b, strict=True))


# Pillow converts RGB to full-range BT.601 YCbCr in C; these tables squeeze it into the limited
# range H.264 players expect (the stream is tagged BT.601 / SMPTE 170M to match).
_LUMA_TABLE = [round(16 + v * 219 / 255) for v in range(256)]
_CHROMA_TABLE = [round(16 + v * 224 / 255) for v in range(256)]


def rgb_to_planes(rgb) -> Planes:
    """RGB uint8 (h, w, 3), h and w even → limited-range Y (h, w) and 2x2-averaged U, V."""
    import numpy as np
    from PIL import Image

    image = Image.fromarray(rgb, "RGB") if not isinstance(rgb, Image.Image) else rgb
    y, cb, cr = image.convert("YCbCr").split()
    return Planes(
        np.asarray(y.point(_LUMA_TABLE)),
        np.asarray(cb.reduce(2).point(_CHROMA_TABLE)),
        np.asarray(cr.reduce(2).point(_CHROMA_TABLE)),
    )


class Overlay:
    """Text on a translucent box, pre-multiplied once, blended into each frame's planes."""

    def __init__(self, rgba, *, top: int, left: int):
        import numpy as np

        pixels = np.asarray(rgba)
        alpha = pixels[..., 3].astype(np.uint16)
        alpha = alpha + (alpha >> 7)  # 0..255 → 0..256, so 255 means fully opaque
        planes = rgb_to_planes(rgba.convert("RGB"))
        h, w = alpha.shape
        alpha_c = alpha.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)).astype(np.uint16)
        self.top, self.left, self.height, self.width = top, left, h, w
        self.keep = (256 - alpha, 256 - alpha_c)
        self.add = (
            planes.y.astype(np.uint16) * alpha,
            planes.u.astype(np.uint16) * alpha_c,
            planes.v.astype(np.uint16) * alpha_c,
        )
        self._scratch = (np.empty((h, w), np.uint16), np.empty((h // 2, w // 2), np.uint16))

    def apply(self, y, u, v) -> None:
        """Blend into the frame planes in place (y full size, u/v half size)."""
        import numpy as np

        t, left, h, w = self.top, self.left, self.height, self.width
        targets = (
            (y[t : t + h, left : left + w], self.keep[0], self.add[0], self._scratch[0]),
            (u[t // 2 : (t + h) // 2, left // 2 : (left + w) // 2], self.keep[1], self.add[1],
             self._scratch[1]),
            (v[t // 2 : (t + h) // 2, left // 2 : (left + w) // 2], self.keep[1], self.add[2],
             self._scratch[1]),
        )  # fmt: skip
        for region, keep, add, scratch in targets:
            np.multiply(region, keep, out=scratch)
            scratch += add
            scratch >>= 8
            region[...] = scratch


def text_overlays(shot: dict, *, width: int, height: int) -> list[Overlay]:
    """The caption near the top and the dialogue as a subtitle near the bottom."""
    overlays = []
    caption = (shot.get("caption") or "").strip()
    if caption:
        overlays.append(
            _text_band(caption, width=width, height=height, y=0.07, size=0.052, lines=2)
        )
    dialogue = (shot.get("dialogue") or "").strip()
    if dialogue:
        overlays.append(
            _text_band(f"“{dialogue}”", width=width, height=height, y=0.76, size=0.045, lines=3)
        )
    return [o for o in overlays if o is not None]


def _text_band(text, *, width, height, y, size, lines) -> Overlay | None:
    from PIL import Image, ImageDraw, ImageFont

    unit = min(width, height)
    font = ImageFont.load_default(size=max(10, int(unit * size)))
    pad = max(4, int(unit * 0.02))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    wrapped = _wrap(probe, text, font, width - 4 * pad, lines)
    if not wrapped:
        return None
    boxes = [probe.textbbox((0, 0), line, font=font) for line in wrapped]
    line_height = max(b[3] for b in boxes) + pad // 2
    text_width = max(b[2] for b in boxes)
    band_w = min(width, (text_width + 2 * pad + 1) // 2 * 2 + 2)
    band_h = (line_height * len(wrapped) + 2 * pad + 1) // 2 * 2
    band = Image.new("RGBA", (band_w, band_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    draw.rounded_rectangle((0, 0, band_w - 1, band_h - 1), radius=pad, fill=(0, 0, 0, 120))
    for number, line in enumerate(wrapped):
        line_w = draw.textlength(line, font=font)
        draw.text(((band_w - line_w) / 2, pad + number * line_height), line, font=font,
                  fill=(255, 255, 255, 255))  # fmt: skip
    top = int(height * y) // 2 * 2
    left = (width - band_w) // 4 * 2
    return Overlay(band, top=top, left=left)


def _wrap(draw, text, font, max_width, max_lines) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,") + "…"
    # A single word wider than the frame: cut it rather than overflow.
    return [_fit(draw, line, font, max_width) for line in lines]


def _fit(draw, line, font, max_width) -> str:
    while len(line) > 1 and draw.textlength(line, font=font) > max_width:
        line = line[:-2] + "…"
    return line

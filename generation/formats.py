"""What a clip can be: its sizes, aspects and length limits (the one home; the rest import).

Pure Python on purpose: the renderer, the storyboard planner, the providers, the models and
the serializers all read it, and none of them should have to import another for a constant.
"""

SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")  # OpenAI's four
PORTRAIT, LANDSCAPE = "9:16", "16:9"
ASPECT_SIZES = {PORTRAIT: "720x1280", LANDSCAPE: "1280x720"}  # the size an `aspect` picks
MIN_SECONDS, MAX_SECONDS = 4, 25


def aspect_of(size: str) -> str:
    """ "720x1280" → "9:16": taller than wide is portrait, anything else landscape."""
    width, height = (int(v) for v in size.split("x"))
    return PORTRAIT if height > width else LANDSCAPE

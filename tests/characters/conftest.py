"""Character fixtures: a drawn picture (no one in it), a face photo, real MP4 clips of each,
and `make_character`, which creates one the way the API does (verification runs inline)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import clips as clip_writer
from tests.cameos.conftest import clip_upload, clips, make_cameo  # noqa: F401

# The drawing's colours: pure magenta and yellow, which the local renderer's palettes (60%
# saturation at most) never paint, so a frame showing them shows the character.
MAGENTA = (255, 0, 255)
YELLOW = (255, 230, 0)


def drawing(side: int = 96):
    """A cartoon of a round magenta creature with a yellow belly on a transparent ground."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, side - 4, side - 4), fill=MAGENTA + (255,))
    draw.rectangle((side // 3, side // 2, side * 2 // 3, side * 5 // 6), fill=YELLOW + (255,))
    return image


def png_bytes(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def face_photo():
    """A public-domain portrait (Grace Hopper) from matplotlib's bundled sample data."""
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return image.convert("RGB")


def clip_of(path, image, *, seconds: float = 2, fps: int = 6):
    """A real H.264 + AAC MP4 showing `image` drifting slightly, 128x128."""
    import numpy as np
    from PIL import Image

    background = Image.new("RGB", (160, 160), (60, 110, 60))
    picture = image.convert("RGBA")
    picture.thumbnail((120, 120))

    def paint(index):
        frame = background.copy()
        frame.paste(picture, (4 + index % 4 * 4, 8), picture)
        return np.asarray(frame.crop((0, 0, 128, 128)))

    return clip_writer.write_clip(
        path, paint, count=int(seconds * fps), fps=fps, size=(128, 128), audio_rate=22050
    )


@pytest.fixture(scope="session")
def media_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("character-media")
    face = face_photo()
    return {
        "drawing.png": png_bytes(drawing()),
        "face.png": png_bytes(face),
        "drawing.mp4": clip_of(folder / "drawing.mp4", drawing()).read_bytes(),
        "face.mp4": clip_of(folder / "face.mp4", face).read_bytes(),
    }


@pytest.fixture
def upload(media_files):
    def _upload(name: str, *, as_name: str | None = None):
        kind = "video/mp4" if name.endswith(".mp4") else "image/png"
        return SimpleUploadedFile(as_name or name, media_files[name], kind)

    return _upload


@pytest.fixture
def make_character(upload, django_capture_on_commit_callbacks):
    """`make_character(owner, handle, permission=..., source="drawing.png")` → verified."""
    from accounts.services import characters

    def _make(owner, handle="biscuit", *, permission=None, source="drawing.png", **fields):
        field = "video" if source.endswith(".mp4") else "image"
        with django_capture_on_commit_callbacks(execute=True):
            character = characters.create_character(
                owner,
                handle=handle,
                name=fields.pop("name", handle.title()),
                kind=fields.pop("kind", "pet"),
                permission=permission,
                **{field: upload(source)},
                **fields,
            )
        character.refresh_from_db()
        return character

    return _make

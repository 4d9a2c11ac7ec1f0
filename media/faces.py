"""Does a picture show a human face? (Reference images: people appear only through cameos.)

OpenCV's frontal and profile Haar cascades, which ship inside the `opencv-python-headless`
4.x wheel (`cv2.data.haarcascades`; OpenCV 5 removed them), so nothing is downloaded. The
picture is scaled so its longer side is DETECT_SIDE pixels, and a face must be at least
MIN_FACE_SHARE of the shorter side: small enough for a portrait in a landscape, large enough
that a texture rarely passes for one. cv2 is imported on first use (not on the web path's
import).
"""

from __future__ import annotations

from functools import lru_cache

DETECT_SIDE = 640
MIN_FACE_SHARE = 0.08
CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@lru_cache(maxsize=1)
def _classifiers():
    import cv2

    loaded = []
    for name in CASCADES:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if classifier.empty():
            raise RuntimeError(f"OpenCV's {name} is missing: install opencv-python-headless<5.")
        loaded.append(classifier)
    return tuple(loaded)


def find_faces(image) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in a Pillow image, in the scaled picture's pixels."""
    import cv2
    import numpy as np

    gray = image.convert("L")
    gray.thumbnail((DETECT_SIDE, DETECT_SIDE))
    pixels = cv2.equalizeHist(np.asarray(gray))
    side = max(24, int(min(pixels.shape) * MIN_FACE_SHARE))
    faces = []
    for classifier in _classifiers():
        found = classifier.detectMultiScale(
            pixels, scaleFactor=1.1, minNeighbors=5, minSize=(side, side)
        )
        faces.extend(tuple(int(v) for v in box) for box in found)
    return faces


def shows_a_face(image) -> bool:
    return bool(find_faces(image))

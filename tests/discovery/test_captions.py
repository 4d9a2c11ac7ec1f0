"""Which #words are hashtags, and their entity offsets (UTF-16 code units)."""

from hypothesis import given
from hypothesis import strategies as st

from feed.captions import MAX_HASHTAGS, caption_entities, normalize_tag, parse_hashtags


def test_tags_are_unicode_words_case_folded_in_order():
    assert parse_hashtags("Sunset #Beach at #café, #BEACH again #日本 #straße") == [
        "beach",
        "café",
        "日本",
        "strasse",
    ]


def test_not_tags_inside_words_entities_or_doubled():
    assert parse_hashtags("a#b &#39; ##x # lone #-dash") == []


def test_at_most_ten_distinct_tags_and_fifty_characters():
    caption = " ".join(f"#t{i}" for i in range(12)) + " #t0"
    assert parse_hashtags(caption) == [f"t{i}" for i in range(MAX_HASHTAGS)]
    assert parse_hashtags("#" + "a" * 50) == ["a" * 50]
    assert parse_hashtags("#" + "a" * 51) == []  # too long: not a tag, not truncated
    assert normalize_tag("#" + "b" * 51) is None
    assert normalize_tag("") is None


def test_entities_use_utf16_offsets():
    caption = "😀 #Café and #cafe"
    entities = caption_entities(caption)
    assert entities == [
        {"type": "hashtag", "tag": "café", "start": 3, "end": 8},
        {"type": "hashtag", "tag": "cafe", "start": 13, "end": 18},
    ]
    utf16 = caption.encode("utf-16-le")
    for entity in entities:
        text = utf16[2 * entity["start"] : 2 * entity["end"]].decode("utf-16-le")
        assert text.casefold() == "#" + entity["tag"]


def test_eleventh_tag_has_no_entity():
    caption = " ".join(f"#t{i}" for i in range(11))
    assert [e["tag"] for e in caption_entities(caption)] == [f"t{i}" for i in range(10)]


@given(st.text(max_size=200))
def test_entities_always_slice_to_their_tag(caption):
    utf16 = caption.encode("utf-16-le", "surrogatepass")
    for entity in caption_entities(caption):
        text = utf16[2 * entity["start"] : 2 * entity["end"]].decode("utf-16-le", "surrogatepass")
        assert text[0] == "#" and normalize_tag(text) == entity["tag"]
    assert len(parse_hashtags(caption)) <= MAX_HASHTAGS

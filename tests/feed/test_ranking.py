"""feed.ranking.diversify against the plain statement of its rule."""

from hypothesis import given
from hypothesis import strategies as st

from feed import ranking


def greedy_reference(ranked: list, author_of) -> list:
    """The rule as written: each position takes the best remaining item whose author is not
    the previous one and has fewer than two items in the current block of ten."""
    out, pending, counts, previous = [], list(ranked), {}, None
    while pending:
        if len(out) % ranking.BLOCK_SIZE == 0:
            counts = {}
        for i, item in enumerate(pending):
            author = author_of(item)
            if author != previous and counts.get(author, 0) < ranking.MAX_PER_AUTHOR_PER_BLOCK:
                break
        else:
            return out
        pending.pop(i)
        counts[author] = counts.get(author, 0) + 1
        out.append(item)
        previous = author
    return out


@given(st.lists(st.integers(min_value=0, max_value=12), max_size=120))
def test_diversify_is_the_greedy_rule(authors):
    ranked = list(enumerate(authors))  # (rank, author): items are distinct
    assert ranking.diversify(ranked, lambda item: item[1]) == greedy_reference(
        ranked, lambda item: item[1]
    )


def test_diversify_drops_what_cannot_be_placed():
    ranked = [("a", 1), ("a", 2), ("a", 3), ("b", 4)]
    assert ranking.diversify(ranked, lambda item: item[0]) == [("a", 1), ("b", 4), ("a", 2)]

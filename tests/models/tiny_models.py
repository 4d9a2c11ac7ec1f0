"""Tiny random-weight LTX-2 and Wan pipelines, built in code (no hub), saved with
save_pretrained, for the diffusers provider's tests and bench/models.py.

The configs follow diffusers' own fast tests (tests/pipelines/ltx2, tests/pipelines/wan); the
tokenizer is a WordLevel `tokenizers` model and the text encoders (T5, Gemma-3) come from
small configs, so nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

# Guidance off and a short text window: what a distilled checkpoint runs with, and what keeps
# the tiny models quick (passed as DIFFUSERS_PIPELINE_OPTIONS).
LTX2_OPTIONS = {
    "guidance_scale": 1.0,
    "stg_scale": 0.0,
    "modality_scale": 1.0,
    "guidance_rescale": 0.0,
    "audio_guidance_scale": 1.0,
    "audio_stg_scale": 0.0,
    "audio_modality_scale": 1.0,
    "audio_guidance_rescale": 0.0,
    "spatio_temporal_guidance_blocks": None,
    "use_cross_timestep": False,
    "max_sequence_length": 32,
}
WAN_OPTIONS = {"guidance_scale": 1.0, "max_sequence_length": 32}
_WORD_TEXT = (
    "a the of and in on to with camera slow slowly static shot pans pan left right zooms zoom "
    "pushes push tilts tilt up down towards subject scene robot dog cat city night rain beach "
    "runs dances walks they say respect these instructions"
)
WORDS = tuple(_WORD_TEXT.split())


def tiny_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, "<bos>": 3}
    vocab.update({word: number + 4 for number, word in enumerate(WORDS)})
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        bos_token="<bos>",
        model_max_length=64,
    )


def _wan_components(*, image: bool) -> dict:
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanTransformer3DModel
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    encoder_config = T5Config(
        vocab_size=64, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8,
    )  # fmt: skip
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=36 if image else 16, out_channels=16, text_dim=32, freq_dim=256,
        ffn_dim=32, num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32, **({"image_dim": 4} if image else {}),
    )  # fmt: skip
    return {
        "transformer": transformer,
        "vae": vae,
        "scheduler": FlowMatchEulerDiscreteScheduler(shift=7.0),
        "text_encoder": T5EncoderModel(encoder_config).eval(),
        "tokenizer": tiny_tokenizer(),
        "transformer_2": None,
    }


def tiny_wan(*, image: bool = False):
    from diffusers import WanImageToVideoPipeline, WanPipeline

    components = _wan_components(image=image)
    if not image:
        return WanPipeline(**components)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    vision = CLIPVisionConfig(
        hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2,
        image_size=32, intermediate_size=16, patch_size=1,
    )  # fmt: skip
    components["image_encoder"] = CLIPVisionModelWithProjection(vision)
    components["image_processor"] = CLIPImageProcessor(crop_size=32, size=32)
    return WanImageToVideoPipeline(**components)


def _gemma3():
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    config = Gemma3Config(
        text_config={
            "vocab_size": 64, "hidden_size": 32, "intermediate_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
            "head_dim": 8, "max_position_embeddings": 128, "sliding_window": 16,
        },
        vision_config={
            "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
            "num_attention_heads": 2, "image_size": 28, "patch_size": 14,
        },
        mm_tokens_per_image=4, boi_token_index=60, eoi_token_index=61, image_token_index=62,
    )  # fmt: skip
    return Gemma3ForConditionalGeneration(config).eval()


def tiny_ltx2():
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    torch.manual_seed(0)
    text_encoder = _gemma3()
    hidden = text_encoder.config.text_config.hidden_size  # = the connectors' inner width
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2,
        attention_head_dim=8, cross_attention_dim=16, audio_in_channels=4,
        audio_out_channels=4, audio_num_attention_heads=2, audio_attention_head_dim=4,
        audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=hidden, rope_double_precision=False, rope_type="split",
    )  # fmt: skip
    connectors = LTX2TextConnectors(
        caption_channels=hidden, text_proj_in_factor=3, video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32,
        rope_theta=10000.0, rope_double_precision=False, causal_temporal_positioning=False,
        rope_type="split",
    )  # fmt: skip
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,),
        decoder_block_out_channels=(8,), layers_per_block=(1,), decoder_layers_per_block=(1, 1),
        spatio_temporal_scaling=(True,), decoder_spatio_temporal_scaling=(True,),
        decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False,
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )  # fmt: skip
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1,
        attn_resolutions=None, in_channels=2, resolution=32, latent_channels=2,
        norm_type="pixel", causality_axis="height", dropout=0.0, mid_block_add_attention=False,
        sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8,
    )  # fmt: skip
    vocoder = LTX2Vocoder(
        in_channels=16, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000,
    )  # fmt: skip
    return LTX2Pipeline(
        transformer=transformer, vae=vae, audio_vae=audio_vae,
        scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=text_encoder,
        tokenizer=tiny_tokenizer(), connectors=connectors, vocoder=vocoder, processor=None,
        prompt_enhancer=None, duration_head=None,
    )  # fmt: skip


BUILDERS = {
    "ltx2": tiny_ltx2,
    "wan": tiny_wan,
    "wan_i2v": lambda: tiny_wan(image=True),
}
OPTIONS = {"ltx2": LTX2_OPTIONS, "wan": WAN_OPTIONS, "wan_i2v": WAN_OPTIONS}


def save_tiny(name: str, folder: Path) -> Path:
    """Build the tiny `name` pipeline and save it where DIFFUSERS_MODEL will point."""
    BUILDERS[name]().save_pretrained(str(folder))
    return folder


def use_tiny(settings, name: str, folder: Path, *, render_size: str = "32x64", fps: int = 8):
    """Point the settings at a saved tiny model, rendering small and at a low frame rate."""
    settings.GENERATION_PROVIDER = "diffusers"
    settings.DIFFUSERS_MODEL = str(folder)
    settings.DIFFUSERS_DEVICE = "cpu"
    settings.DIFFUSERS_STEPS = 2
    settings.DIFFUSERS_RENDER_SIZE = render_size
    settings.DIFFUSERS_FPS = fps
    settings.DIFFUSERS_PIPELINE_OPTIONS = json.dumps(OPTIONS[name])

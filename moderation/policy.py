"""Prompt and output policy, plugged into generation through GENERATION_*_CHECKS."""


def check_prompt(*, user, prompt, cameos):
    return None


def check_output(*, job, video_path):
    return None

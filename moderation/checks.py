"""System checks of moderation's settings: a bad threshold table fails at start-up, naming
the setting, instead of letting every clip through or holding every clip."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_classifier_thresholds(app_configs=None, **kwargs):
    """MODERATION_CLASSIFIER_THRESHOLDS names NudeNet classes, each with `block` and/or `hold`
    scores between 0 and 1; the strictness factors are in (0, 1]."""
    from moderation.classifier import LABELS

    name = "MODERATION_CLASSIFIER_THRESHOLDS"
    table = settings.MODERATION_CLASSIFIER_THRESHOLDS
    if not isinstance(table, dict):
        return [Error(f"{name}: must be a JSON object of class → limits.", id="cutaway.E040")]
    errors = []
    for label, rule in table.items():
        if label not in LABELS:
            hint = f"One of: {', '.join(LABELS)}."
            errors.append(Error(f"{name}: unknown class {label!r}.", hint=hint, id="cutaway.E040"))
            continue
        if not isinstance(rule, dict) or not rule or set(rule) - {"block", "hold"}:
            message = f"{name}[{label}]: give `block` and/or `hold` only."
            errors.append(Error(message, id="cutaway.E040"))
            continue
        for level, score in rule.items():
            if isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 1:
                message = f"{name}[{label}].{level}: a score in (0, 1], not {score!r}."
                errors.append(Error(message, id="cutaway.E040"))
    for factor in ("MODERATION_CLASSIFIER_CAMEO_FACTOR", "MODERATION_CLASSIFIER_MINOR_FACTOR"):
        if not 0 < getattr(settings, factor) <= 1:
            errors.append(Error(f"{factor}: must be in (0, 1].", id="cutaway.E041"))
    if settings.MODERATION_CLASSIFIER_FPS <= 0 or settings.MODERATION_CLASSIFIER_MAX_FRAMES < 1:
        message = "MODERATION_CLASSIFIER_FPS must be > 0 and MODERATION_CLASSIFIER_MAX_FRAMES >= 1."
        errors.append(Error(message, id="cutaway.E042"))
    return errors

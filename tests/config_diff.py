"""Resolved configs compared setting by setting: the keys where two configs differ."""
from mmengine.config import Config

#: Top-level keys that mmengine's Runner or the stock tools read (``data_preprocessor`` is
#: left out: the runner uses it only for a model without one, and every model here has one).
#: Config-time helpers (``dims``, ``ckpt_dir``, ``backbone``, ``crop_size``...) are not settings.
SETTINGS = ('model', 'custom_imports', 'default_scope', 'train_dataloader', 'val_dataloader',
            'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'val_evaluator',
            'test_evaluator', 'optim_wrapper', 'param_scheduler', 'auto_scale_lr',
            'default_hooks', 'custom_hooks', 'env_cfg', 'log_processor', 'log_level',
            'visualizer', 'vis_backends', 'load_from', 'resume', 'randomness', 'launcher',
            'tta_model', 'tta_pipeline')
UNSET = '<unset>'


def flatten(value, path=''):
    """``{dotted.path[index]: leaf value}`` of a resolved config; ``_scope_`` markers (which
    registry a base was read with: here always the toolbox's own) are left out."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key != '_scope_':
                out.update(flatten(item, f'{path}.{key}' if path else key))
        return out
    if isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple))
                                                 for v in value):
        out = {f'{path}[{len(value)}]': 'end'}  # a length difference shows as its own key
        for i, item in enumerate(value):
            out.update(flatten(item, f'{path}[{i}]'))
        return out
    return {path: list(value) if isinstance(value, tuple) else value}


def settings(path, **kwargs):
    """The flattened settings of the config file at ``path`` (kwargs: Config.fromfile's)."""
    cfg = Config.fromfile(path, **kwargs).to_dict()
    return flatten({k: cfg[k] for k in SETTINGS if k in cfg})


def differences(ours, theirs):
    """Sorted keys whose values differ (or that only one side sets) between two flattened
    configs."""
    return sorted(k for k in set(ours) | set(theirs) if ours.get(k, UNSET) != theirs.get(k, UNSET))


def covers(key, path):
    """Whether the flattened ``path`` is ``key`` or lies under it."""
    return path == key or path.startswith((key + '.', key + '['))


def not_covered(keys, prefixes):
    """The keys that none of ``prefixes`` covers."""
    return [k for k in keys if not any(covers(p, k) for p in prefixes)]

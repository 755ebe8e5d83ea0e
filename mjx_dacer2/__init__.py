"""mjx_dacer2: DACER2 on MuJoCo MJX in one device-resident JAX loop.

`load_policy(path)` (from `mjx_dacer2.storage.export`) is imported lazily, so importing a
submodule such as `mjx_dacer2.config` stays fast.
"""

__all__ = ["load_policy"]


def __getattr__(name: str):
    if name == "load_policy":
        from mjx_dacer2.storage.export import load_policy

        return load_policy
    raise AttributeError(f"module 'mjx_dacer2' has no attribute {name!r}")

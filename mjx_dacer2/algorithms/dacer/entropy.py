"""Policy-entropy estimate for DACER's entropy regulator, via a Gaussian-mixture fit.

Owns the pure-JAX (jittable, vmappable, no host callbacks) replacement for the official
code's scikit-learn call: per state, fit a full-covariance Gaussian mixture to the sampled
actions with a fixed number of EM iterations, then estimate the entropy as

    H_s ~= -sum_k w_k log w_k + sum_k w_k (d/2 (1 + log 2 pi) + 1/2 log|Sigma_k|).

The fit follows ``sklearn.mixture.GaussianMixture(covariance_type='full')`` with its default
``init_params='kmeans'``: k-means++ seeding and Lloyd iterations give hard responsibilities,
then EM with log-space responsibilities, ``nk += 10 * eps`` for empty components and
``reg_covar * I`` added to every covariance. Every contraction runs at HIGHEST precision so a
GPU's TF32 default cannot swamp ``reg_covar``; a component whose Cholesky still fails falls
back to its diagonal, so degenerate inputs (identical samples, actions clipped at exactly
+-1) give finite results. The estimate is a statistic for the temperature update, not a
training signal: ``estimate_entropy`` stops gradients into the samples.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import logsumexp, xlogy

_HI = lax.Precision.HIGHEST
_KMEANS_ITERS = 10  # Lloyd iterations after seeding; N=200 clusters settle well within this
_LOG_2PI = math.log(2.0 * math.pi)


class GaussianMixture(NamedTuple):
    """A fitted mixture (a pytree; vmapped fits carry a leading state axis)."""

    weights: jax.Array  # (K,)
    means: jax.Array  # (K, d)
    covariances: jax.Array  # (K, d, d)


# Internals keep samples on the minor axis, xt (d, N) and responsibilities (K, N): with d ~ 6
# this vectorises over N on a CPU and is ~1.5x faster than the (N, d) layout.


def _sq_dists(xt: jax.Array, centers: jax.Array) -> jax.Array:
    diff = xt[None, :, :] - centers[:, :, None]  # (K, d, N)
    return jnp.sum(diff * diff, axis=1)  # (K, N)


def _kmeans_labels(xt: jax.Array, key: jax.Array, k: int) -> jax.Array:
    """Greedy k-means++ seeding then Lloyd iterations (as sklearn's KMeans) -> (N,) labels.

    Each new centre is the best of 2 + floor(log k) D^2-sampled candidates (lowest potential),
    which makes a split-cluster seeding far less likely than with plain k-means++.
    """
    x = xt.T  # (N, d)
    trials = 2 + int(math.log(k))
    keys = jax.random.split(key, k)
    centers = x[jax.random.randint(keys[0], (), 0, x.shape[0])][None]  # (1, d)
    d2 = _sq_dists(xt, centers)[0]  # (N,) squared distance to the closest centre
    for i in range(1, k):  # k is static and small: unrolled
        # All-zero distances (identical samples) give uniform logits instead of NaN.
        logits = jnp.log(d2 + jnp.finfo(xt.dtype).tiny)
        cand = jax.random.categorical(keys[i], logits, shape=(trials,))  # (T,)
        cand_d2 = jnp.minimum(d2[None, :], _sq_dists(xt, x[cand]))  # (T, N)
        best = jnp.argmin(jnp.sum(cand_d2, axis=1))
        centers = jnp.concatenate([centers, x[cand[best]][None]])  # (i + 1, d)
        d2 = cand_d2[best]

    def lloyd(_: int, centers: jax.Array) -> jax.Array:  # (K, d) -> (K, d)
        labels = jnp.argmin(_sq_dists(xt, centers), axis=0)  # (N,)
        onehot = jax.nn.one_hot(labels, k, dtype=xt.dtype, axis=0)  # (K, N)
        counts = jnp.sum(onehot, axis=1)  # (K,)
        sums = jnp.einsum("kn,dn->kd", onehot, xt, precision=_HI)  # (K, d)
        new = sums / jnp.maximum(counts, 1.0)[:, None]
        return jnp.where(counts[:, None] > 0, new, centers)  # empty cluster keeps its centre

    centers = lax.fori_loop(0, _KMEANS_ITERS, lloyd, centers)
    return jnp.argmin(_sq_dists(xt, centers), axis=0)


def _cholesky(cov: jax.Array) -> jax.Array:
    """Lower Cholesky factors (K, d, d); a failed factorisation falls back to the diagonal."""
    chol = jnp.linalg.cholesky(cov)  # NaN where not numerically positive definite
    ok = jnp.all(jnp.isfinite(chol), axis=(-2, -1))  # (K,)
    diag = jnp.sqrt(jnp.diagonal(cov, axis1=-2, axis2=-1))  # (K, d), >= sqrt(reg_covar)
    diag_chol = diag[:, :, None] * jnp.eye(cov.shape[-1], dtype=cov.dtype)
    return jnp.where(ok[:, None, None], chol, diag_chol)


def _half_logdet(chol: jax.Array) -> jax.Array:
    return jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)  # (K,)


def _m_step(xt: jax.Array, resp: jax.Array, reg_covar: float) -> GaussianMixture:
    """Weighted maximum-likelihood parameters from responsibilities resp (K, N)."""
    nk = jnp.sum(resp, axis=1) + 10.0 * jnp.finfo(xt.dtype).eps  # (K,), sklearn's empty guard
    means = jnp.einsum("kn,dn->kd", resp, xt, precision=_HI) / nk[:, None]  # (K, d)
    diff = xt[None, :, :] - means[:, :, None]  # (K, d, N)
    weighted = resp[:, None, :] * diff  # (K, d, N)
    cov = jnp.einsum("kin,kjn->kij", weighted, diff, precision=_HI) / nk[:, None, None]
    cov = 0.5 * (cov + jnp.swapaxes(cov, -1, -2))  # (K, d, d), exactly symmetric
    cov = cov + reg_covar * jnp.eye(xt.shape[0], dtype=xt.dtype)
    return GaussianMixture(weights=nk / jnp.sum(nk), means=means, covariances=cov)


def _log_resp(xt: jax.Array, mixture: GaussianMixture) -> jax.Array:
    """E-step: log responsibilities (K, N) from Cholesky-based Gaussian log-densities."""
    d = xt.shape[0]
    chol = _cholesky(mixture.covariances)  # (K, d, d)
    eye = jnp.broadcast_to(jnp.eye(d, dtype=xt.dtype), chol.shape)
    # Invert the d x d factor once (sklearn's precisions_cholesky_), then one matmul: much
    # faster on a CPU than a triangular solve against all N samples.
    prec_chol = solve_triangular(chol, eye, lower=True)  # (K, d, d) = L^-1
    diff = xt[None, :, :] - mixture.means[:, :, None]  # (K, d, N)
    y = jnp.einsum("kij,kjn->kin", prec_chol, diff, precision=_HI)  # (K, d, N)
    log_prob = -0.5 * (d * _LOG_2PI + jnp.sum(y * y, axis=1)) - _half_logdet(chol)[:, None]
    weighted = log_prob + jnp.log(mixture.weights)[:, None]  # (K, N)
    return weighted - logsumexp(weighted, axis=0, keepdims=True)


def fit_gmm(
    samples: jax.Array,
    key: jax.Array,
    num_components: int = 3,
    num_iters: int = 30,
    reg_covar: float = 1e-6,
) -> GaussianMixture:
    """Fit a full-covariance mixture to samples (N, d) of ONE state with num_iters EM steps.

    num_components and num_iters are static (Python ints); key seeds the k-means++ init.
    num_iters=0 returns the k-means initialisation.
    """
    xt = jnp.asarray(samples).T  # (d, N)
    if not jnp.issubdtype(xt.dtype, jnp.floating):
        xt = xt.astype(jnp.float32)
    labels = _kmeans_labels(xt, key, num_components)  # (N,)
    onehot = jax.nn.one_hot(labels, num_components, dtype=xt.dtype, axis=0)  # (K, N)

    def em_step(_: int, mixture: GaussianMixture) -> GaussianMixture:
        return _m_step(xt, jnp.exp(_log_resp(xt, mixture)), reg_covar)

    return lax.fori_loop(0, num_iters, em_step, _m_step(xt, onehot, reg_covar))


def mixture_entropy_estimate(mixture: GaussianMixture) -> jax.Array:
    """DACER's entropy estimate of one mixture (unbatched): scalar, in nats."""
    w = mixture.weights  # (K,)
    d = mixture.means.shape[-1]
    half_logdet = _half_logdet(_cholesky(mixture.covariances))  # (K,)
    component_entropy = 0.5 * d * (1.0 + _LOG_2PI) + half_logdet  # (K,)
    return -jnp.sum(xlogy(w, w)) + jnp.sum(w * component_entropy)


def estimate_entropy(
    samples: jax.Array,
    key: jax.Array,
    num_components: int = 3,
    num_iters: int = 30,
    reg_covar: float = 1e-6,
) -> jax.Array:
    """Mean over states of the mixture entropy estimate; samples (S, N, d) -> scalar.

    State s is fitted with ``jax.random.split(key, S)[s]``. Gradients are stopped.
    """
    samples = lax.stop_gradient(samples)  # (S, N, d)
    keys = jax.random.split(key, samples.shape[0])  # (S,)
    fit = partial(fit_gmm, num_components=num_components, num_iters=num_iters, reg_covar=reg_covar)
    mixtures = jax.vmap(fit)(samples, keys)  # weights (S, K), means (S, K, d), cov (S, K, d, d)
    return jnp.mean(jax.vmap(mixture_entropy_estimate)(mixtures))

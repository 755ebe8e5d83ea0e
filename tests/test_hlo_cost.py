"""`hlo_cost`: ops and matmul FLOPs read from compiled HLO, loop bodies times their trips."""

import jax
import jax.numpy as jnp

from mjx_dacer2.study.hlo_cost import hlo_cost


def _cost(fn, *args):
    return hlo_cost(jax.jit(fn).lower(*args).compile().as_text())


def test_dot_flops_and_ops_count_each_loop_trip():
    x, w = jnp.ones((4, 8)), jnp.ones((8, 8))

    def loop(trips):
        return lambda x, w: jax.lax.fori_loop(0, trips, lambda i, x: jnp.tanh(x @ w) + i, x)

    three, six = _cost(loop(3), x, w), _cost(loop(6), x, w)
    assert three.flops == 3 * 2 * 4 * 8 * 8 and six.flops == 2 * three.flops
    assert three.while_loops == six.while_loops == 1 and three.conditionals == 0
    assert _cost(loop(9), x, w).ops - six.ops == six.ops - three.ops > 0  # 3 bodies each


def test_a_conditional_counts_each_branch_half_the_time():
    x, w = jnp.ones((4, 8)), jnp.ones((8, 8))

    def branchy(p, x, w):
        return jax.lax.cond(p, lambda x: (x @ w) @ w, lambda x: x + 1.0, x)

    cost = _cost(branchy, True, x, w)
    assert cost.conditionals == 1
    assert cost.flops == 0.5 * 2 * (2 * 4 * 8 * 8)  # the two-dot branch, half the time

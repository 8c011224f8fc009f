"""Proposition 4.2 (replica fixed point): prox and quadrature accuracy, known limits, MC, regimes, finite-D argmin."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from ptft.dln import tasks
from ptft.dln.gd import GDOptions
from ptft.dln.prox import prox_q, prox_residual
from ptft.dln.regimes import (RECOVERY_FLOOR, REGIMES, TASK_TYPES, best_regime_table, computed_regimes, regime_curves,
                               regime_table)
from ptft.dln.replica import (ChannelLaw, _law, channel_moments, generalization_error, single_task_error, solve_curve,
                              task_law)
from ptft.dln.minimiser import minimise_task
from ptft.dln.simulate import simulate_task
from ptft.stats import t_halfwidth

FIG4_ALPHA = np.linspace(0.01, 0.5, 20)



@pytest.fixture(scope="module")
def fig4_curves():
    """All 12 Figure 4 curves on a 20-point α grid (about 5 s)."""
    return regime_curves(FIG4_ALPHA)


def test_prox_solves_its_equation_to_1e12():
    # Tolerance: |x − z + (g/2)·asinh(2x/√K)| ≤ 1e-12·max(1, |z|), over K from 1e-24 to 1e4 and |z| up to 1e8.
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.standard_normal(400) * np.logspace(-10, 8, 400), [0.0, 1e8, -1e8, 5e-324]])
    for k, g in itertools.product(np.logspace(-24, 4, 15), [0.0, 1e-12, 1e-3, 1.0, 1e3]):
        x = prox_q(z, g, np.sqrt(k))
        assert np.all(np.abs(prox_residual(x, z, g, np.sqrt(k))) <= 1e-12 * np.maximum(1.0, np.abs(z)))
        assert np.all(np.abs(x) <= np.abs(z)) and np.all(x * z >= 0)
        np.testing.assert_array_equal(prox_q(-z, g, np.sqrt(k)), -x)  # odd, as q_K is even


def test_prox_rejects_zero_k():
    with pytest.raises(ValueError, match="sqrt_k > 0"):
        prox_q(1.0, 1.0, 0.0)


def test_quadrature_rule_is_accurate_to_1e_4():
    # Tolerance 1e-4 relative (measured ≈ 1e-12): default rule vs a 4×-refined one on both expectations,
    # over Var B* ∈ {0, …, 100}, K from 1e-24 to 1e4, s² from 1e-12 to 100 and g from 1e-10 to 1e4.
    fine = dict(n_z=64, n_t=64, n_gl=16)
    for tau2, sk, s2, g in itertools.product([0.0, 1.0, 100.0], [1e-12, 4e-3, 2.0, 1e2], [1e-12, 1e-2, 1.0, 100.0],
                                             [1e-10, 1e-2, 1.0, 1e4]):
        law = ChannelLaw(np.ones(1), np.array([tau2]), np.array([sk]))
        coarse, ref = channel_moments(law, s2, g)[:2], channel_moments(law, s2, g, nodes=fine)[:2]
        np.testing.assert_allclose(coarse, ref, rtol=1e-4, atol=0.0)


def test_fixed_point_is_insensitive_to_node_count():
    # Tolerance 1e-4 relative on E_gen (measured < 1e-8) for a curve that crosses into exact recovery.
    kw = dict(**REGIMES["IV"], **TASK_TYPES["full_overlap"], rho_pt=0.1)
    alpha = [0.05, 0.2, 0.35]
    ref = generalization_error(alpha, **kw, nodes=dict(n_z=64, n_t=64, n_gl=16))
    np.testing.assert_allclose(generalization_error(alpha, **kw).mse, ref.mse, rtol=1e-4, atol=1e-14)


def test_alpha_to_zero_gives_teacher_second_moment():
    # E_gen → E[B*²] = ρ_ft·(1/ρ_ft) = 1. Tolerance 1e-3 at α = 1e-5 except the rich λ ≈ −1 settings, whose
    # ℓ1-like interpolator approaches 1 only like 1/log²(1/α): there 0.05, and the gap must shrink as α decreases.
    curves = regime_curves([1e-3, 1e-5])
    small = curves[curves["alpha"] == 1e-5]
    rich_ones = ["I", "I_authors"]
    assert np.all(np.abs(small.loc[~small["regime"].isin(rich_ones), "mse"] - 1.0) < 1e-3)
    for name in rich_ones:
        rich = curves[curves["regime"] == name].pivot(index="task_type", columns="alpha", values="mse")
        assert np.all(np.abs(rich[1e-5] - 1.0) < 0.05) and np.all(rich[1e-5] < rich[1e-3]), name


def test_error_decreases_with_alpha_where_penalty_matches_teacher(fig4_curves):
    # Noiseless: tolerance 1e-12 absolute (the exact-recovery tail sits at 1e-20 and may jitter there).
    # Curves whose penalty favours the wrong coordinates (no overlap with PT-dependent regimes, or regime
    # I at tiny α) have an interpolation peak above E[B*²]; every curve is still unimodal, so after its
    # maximum it must decrease.
    for (task, regime), curve in fig4_curves.groupby(["task_type", "regime"]):
        mse = curve.sort_values("alpha")["mse"].to_numpy()
        assert np.all(np.diff(mse[np.argmax(mse):]) < 1e-12), (task, regime)
        if task != "no_overlap" and regime != "I":
            assert np.all(np.diff(mse) < 1e-12), (task, regime)
    single = single_task_error(FIG4_ALPHA, c_pt=1e-3, rho=0.1)["mse"].to_numpy()
    assert np.all(np.diff(single) < 1e-12)


def test_continuation_converges_on_figure4_grid(fig4_curves):
    assert fig4_curves["converged"].all()
    assert set(fig4_curves["branch"]) <= {"forward", "backward"}
    assert (fig4_curves["mse_se"] == 0).all()


def test_non_convergence_is_reported():
    # 3 map evaluations cannot reach the 1e-10 tolerance: the rows come back flagged, not dropped.
    out = generalization_error([0.1, 0.2], **REGIMES["IV"], **TASK_TYPES["sparse_subset"], rho_pt=0.1, max_iter=3)
    assert len(out) == 2 and not out["converged"].any()


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.5, 0.9])
def test_huge_k_is_min_norm_interpolation(alpha):
    # Large c makes q_K ≈ z²/(2√K): ridgeless ℓ2 min-norm, E_gen = (1 − α)·E[B*²]. Tolerance 1e-8 relative
    # (the asinh correction is O(E[B*²]/K) ≈ 1e-11 at c = 1e5).
    out = single_task_error([alpha], c_pt=1e5, rho=0.1)
    np.testing.assert_allclose(out["mse"], 1.0 - alpha, rtol=1e-8)
    # Large γ: √K = γ² + O(1) on PT-active coordinates, a 2e-6 relative non-uniformity: tolerance 1e-6 absolute.
    lazy = generalization_error([alpha], c_pt=1e-3, lambda_pt=0.0, gamma_ft=1e3, rho_pt=0.1, rho_ft=0.1, omega=0.5)
    np.testing.assert_allclose(lazy["mse"], 1.0 - alpha, rtol=0.0, atol=1e-6)


def _independent_single_task(alpha, c_pt, rho, start, *, damping=0.5, tol=1e-10):
    """Proposition 4.2's single-task fixed point written separately: brentq prox, QUADPACK, plain Picard.

    start: initial (s², g); E_gen at the fixed point is returned.
    """
    sk, tau2 = 2.0 * c_pt, 1.0 / rho

    def prox(z, g):
        return np.sign(z) * brentq(lambda x: x - abs(z) + 0.5 * g * np.arcsinh(2 * x / sk), 0.0, abs(z), xtol=1e-15)

    def gauss(f, sd):  # E[f(Z)], Z ~ N(0, sd²), f even
        dens = lambda z: np.exp(-0.5 * (z / sd) ** 2) / (sd * np.sqrt(2 * np.pi))  # noqa: E731
        return 2.0 * quad(lambda z: f(z) * dens(z), 0.0, 12.0 * sd, limit=400, epsabs=0.0, epsrel=1e-11)[0]

    def h(x, g):
        r = np.hypot(sk, 2 * x)
        return g * r / (g + r)

    s2, g = start
    for _ in range(2000):
        m = tau2 / (tau2 + s2)  # E[B* | Z] = m·Z for the Gaussian group
        err = rho * (m * s2 + gauss(lambda z: (m * z - prox(z, g)) ** 2, np.sqrt(tau2 + s2)))
        err += (1 - rho) * gauss(lambda z: prox(z, g) ** 2, np.sqrt(s2))
        hh = rho * gauss(lambda z: h(prox(z, g), g), np.sqrt(tau2 + s2))
        hh += (1 - rho) * gauss(lambda z: h(prox(z, g), g), np.sqrt(s2))
        new = np.array([err / alpha, 1e-12 + hh / alpha])
        step = damping * (new - [s2, g])
        s2, g = np.array([s2, g]) + step
        if np.max(np.abs(step) / [s2, g]) < tol:
            return err
    raise AssertionError("independent fixed point did not converge")


@pytest.mark.parametrize("alpha", [0.15, 0.3])
def test_single_task_matches_independent_fixed_point(alpha):
    # Tolerance 1e-6 relative: both are deterministic, accurate to ~1e-9 each. The independent iteration
    # starts 20% away from our (s², g), so agreement is not inherited from the start.
    ours = single_task_error([alpha], c_pt=0.01, rho=0.1).iloc[0]
    start = (1.2 * ours["s2"], 0.8 * ours["g"])
    np.testing.assert_allclose(ours["mse"], _independent_single_task(alpha, 0.01, 0.1, start), rtol=1e-6)


@pytest.mark.slow  # a Monte-Carlo reference: ~12 CPU-s over the three cases
@pytest.mark.parametrize("regime, task, alpha", [("IV", "full_overlap", 0.2), ("II", "no_overlap", 0.3),
                                                 ("I", "sparse_subset", 0.04)])
def test_quadrature_agrees_with_monte_carlo(regime, task, alpha):
    # Tolerance 3 Monte-Carlo standard errors (80,000 samples, batch means propagated through the fixed
    # point). The MC map is solved with the hybrid solver and one γ_ext to keep the test short.
    kw = dict(**REGIMES[regime], **TASK_TYPES[task], rho_pt=0.1)
    exact = generalization_error([alpha], **kw)["mse"].iloc[0]
    mc = generalization_error([alpha], **kw, method="mc", seed=1, solver="hybrid", gamma_path=(1e-12,))
    assert mc["converged"].all() and mc["mse_se"].iloc[0] > 0
    assert abs(mc["mse"].iloc[0] - exact) <= 3 * mc["mse_se"].iloc[0]


def test_sparse_subset_prefers_regime_iv_over_ii():
    # REFERENCE §1 at c = 1e-3, ρ_pt = 0.1, ρ_ft = 0.01, ω = 1, α = 0.05: λ = −0.99 ≈ 0.02, λ = 0 ≈ 0.17.
    # Tolerances: IV within [0.015, 0.03], II within [0.15, 0.22] (finite-D argmin at D = 4000, 10 seeds:
    # IV 0.031 ± 0.007, II 0.209 ± 0.022; replica 0.0235 and 0.196).
    curves = regime_curves([0.03, 0.05, 0.08], task_types={"sparse_subset": TASK_TYPES["sparse_subset"]})
    at = curves[curves["alpha"] == 0.05].set_index("regime")["mse"]
    assert 0.015 < at["IV"] < 0.03 and 0.15 < at["II"] < 0.22
    # Before any setting recovers, a rich PT-dependent setting (IV, or the authors' λ = −0.99999 at its rich end)
    # has the lowest error; by α = 0.08 pure ℓ1 (exact λ = −1) has recovered the teacher: a state, not a ranking.
    table = best_regime_table(curves, floor=RECOVERY_FLOOR).set_index("alpha")
    assert set(table.loc[[0.03, 0.05], "best"]) <= {"IV", "I_authors"}
    assert (table.loc[[0.03, 0.05], "state"] == "ranked").all() and table.loc[0.08, "state"] == "recovered"
    pair = best_regime_table(curves[curves["regime"].isin(["II", "IV"])], floor=RECOVERY_FLOOR)
    assert (pair["best"] == "IV").all() and (pair["runner_up"] == "II").all() and (pair["margin"] > 0).all()


@pytest.mark.parametrize("factor", [0.1, 1.0, 10.0])
def test_regime_claim_passes_on_figure4_whatever_the_recovery_floor(fig4_curves, factor, monkeypatch):
    """The regime claim on the real Figure 4 curves, classified by computed ℓ and PD, with the recovery floor varied
    10× either way: the verdict does not move (it used to hinge on a tie tolerance of 1e-3 vs 1e-6)."""
    from ptft.dln import claims

    keys = ["task_type", "regime", "c_pt", "lambda_pt", "gamma_ft", "rho_ft", "omega"]
    curves = fig4_curves.merge(computed_regimes(fig4_curves[keys].drop_duplicates()), on=keys)
    monkeypatch.setattr(claims, "RECOVERY_FLOOR", RECOVERY_FLOOR * factor)
    assert claims.regimes_win({"dln_regime_curves": curves}).verdict == "PASS"


def test_best_regime_table_states_recovery_instead_of_a_tie():
    curves = pd.DataFrame(dict(task_type="t", regime=["a", "b", "c"], alpha=0.1, mse=[0.3, 1e-20, 2e-20]))
    row = best_regime_table(curves, floor=1e-3).iloc[0]
    assert (row["best"], row["runner_up"], row["state"], row["n_recovered"]) == ("b", "c", "recovered", 2)
    ranked = best_regime_table(curves.assign(mse=[0.3, 0.1, 0.2]), floor=1e-3).iloc[0]
    assert (ranked["best"], ranked["state"]) == ("b", "ranked")


def test_regimes_are_classified_by_computed_l_and_pd():
    table = regime_table().set_index("regime")
    named = [r for r in table.index if r in ("I", "II", "III", "IV")]
    assert list(table.loc[named, "computed"]) == named
    assert np.all((table["ell"] >= 1) & (table["ell"] <= 2) & (table["pd"] <= 0) & (table["pd"] >= -1))
    # The authors' λ = −0.99999 keeps PT dependence (PD/(1 − ℓ) ≈ 1): the rich end of regime IV, not I.
    assert table.loc["I_authors", "computed"] == "IV"


def test_computed_regime_depends_on_the_task_beta_scale():
    # λ = 0, γ = 0 is lazy and PT-dependent (II) at |β_FT| = 1/√0.1, but rich enough to count as IV at 1/√0.01.
    settings = pd.DataFrame([dict(**REGIMES["II"], rho_ft=rho) for rho in (0.1, 0.01)])
    assert list(computed_regimes(settings)["computed"]) == ["II", "IV"]


def test_frozen_network_error_is_the_teacher_energy():
    # λ = −1 with γ = 0: every √k_d = 0, β stays 0 and E_gen = E[β*²] = 1 at every α (REFERENCE §3).
    out = generalization_error([0.1, 0.3], c_pt=1e-3, lambda_pt=-1.0, gamma_ft=0.0, rho_pt=0.1, rho_ft=0.1, omega=0.5)
    assert np.allclose(out["mse"], 1.0) and out["converged"].all() and (out["branch"] == "frozen").all()


@pytest.mark.slow
@pytest.mark.parametrize("knobs, alpha", [
    (dict(c_pt=1e-3, lambda_pt=0.0, gamma_ft=0.0, rho_ft=0.1, omega=0.5), 0.3),
    (dict(c_pt=1e-6, lambda_pt=0.0, gamma_ft=0.0, rho_ft=0.1, omega=0.0), 0.4),
    (dict(c_pt=1e-3, lambda_pt=0.99, gamma_ft=0.0, rho_ft=0.1, omega=0.0), 0.4),
])
def test_replica_near_recovery_transitions_matches_the_minimiser(knobs, alpha):
    """Near a recovery transition, where a Monte-Carlo fixed point can sit 8–20% high: the quadrature replica lies
    within the minimiser's seed CI (D = 3000, 8 seeds, errors / seed teacher energy) plus the finite-size trend
    measured between D = 1500 and D = 3000."""
    replica = generalization_error([alpha], **knobs, rho_pt=0.1)["mse"].iloc[0]
    settings = pd.DataFrame([{k: knobs[k] for k in ("c_pt", "lambda_pt", "gamma_ft")}])
    means = {}
    for dim in (1500, 3000):
        rows = pd.concat([minimise_task(dim=dim, alpha=[alpha], rho_pt=0.1, rho_ft=knobs["rho_ft"],
                                        omega=knobs["omega"], seed=seed, settings=settings) for seed in range(8)])
        values = rows["mse_argmin"] / rows["teacher_energy"]
        means[dim] = (values.mean(), t_halfwidth(values.std(ddof=1), len(values)))
    (m_small, _), (m_large, half) = means[1500], means[3000]
    assert abs(m_large - replica) <= half + abs(m_small - m_large), (replica, means)


@pytest.mark.parametrize("kw, condition", [
    (dict(rho_pt=0.05, rho_ft=0.1, omega=1.0), "omega \\* rho_ft <= rho_pt"),
    (dict(rho_pt=0.5, rho_ft=0.9, omega=0.0), "rho_pt \\+ \\(1 - omega\\) \\* rho_ft <= 1"),
    (dict(rho_pt=0.1, rho_ft=0.0, omega=0.0), "0 < rho_ft <= 1"),
    (dict(rho_pt=0.1, rho_ft=0.1, omega=1.5), "0 <= omega <= 1"),
])
def test_infeasible_tasks_name_the_condition(kw, condition):
    with pytest.raises(ValueError, match=condition):
        generalization_error([0.1], c_pt=1e-3, lambda_pt=0.0, gamma_ft=0.0, **kw)


def test_zero_k_on_some_groups_only_is_rejected():
    with pytest.raises(ValueError, match="0 on all"):
        solve_curve([0.1], _law([0.5, 0.5], [1.0, 0.0], [0.0, 1.0]))


def test_rows_keep_the_order_of_alpha():
    law = task_law(**REGIMES["II"], **TASK_TYPES["full_overlap"], rho_pt=0.1)
    out = solve_curve([0.3, 0.1, 0.2], law)
    assert list(out["alpha"]) == [0.3, 0.1, 0.2]


@pytest.mark.slow
def test_replica_matches_finite_dimension_interpolator_and_gd():
    # D = 2000, α = 0.2, 6 seeds, every regime on the full- and no-overlap tasks: the Theorem 4.1 interpolator
    # (simulate_task's mse_argmin, which GD converges to) divided by the seed's ‖β*‖²/D, so that the teacher's
    # norm fluctuation (±14% per seed) drops out. Tolerance 3 seed standard errors + 0.01 (finite-D bias).
    # GD itself is checked where it converges within the 2,000-step cap (regime III, lazy): same tolerance.
    dim, alpha, seeds = 2000, 0.2, range(6)
    settings = pd.DataFrame(REGIMES.values(), index=list(REGIMES)).rename_axis("regime").reset_index()
    for task, teacher in [("full_overlap", TASK_TYPES["full_overlap"]), ("no_overlap", TASK_TYPES["no_overlap"])]:
        rows = []
        for seed in seeds:
            out = simulate_task(dim=dim, alpha=alpha, rho_pt=0.1, seed=seed, settings=settings, **teacher,
                                gd=GDOptions(max_steps=2000, tol_train=1e-8, num_threads=1))
            norm = np.mean(tasks.make_task(dim=dim, rho_pt=0.1, seed=seed, **teacher).beta_ft ** 2)
            rows.append(out.assign(regime=settings["regime"], argmin=out["mse_argmin"] / norm, gd=out["mse"] / norm))
        sims = pd.concat(rows)
        for regime, knobs in REGIMES.items():
            sel = sims[sims["regime"] == regime]
            theory = generalization_error([alpha], **knobs, **teacher, rho_pt=0.1)["mse"].iloc[0]
            checks = ["argmin", "gd"] if regime == "III" else ["argmin"]
            for col in checks:
                assert sel["converged"].all() or col == "argmin"
                se = sel[col].std(ddof=1) / np.sqrt(len(sel))
                assert abs(sel[col].mean() - theory) <= 3 * se + 0.01, (task, regime, col, sel[col].mean(), theory)

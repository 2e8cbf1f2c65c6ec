"""The whole-body Mg model (models/body.ant) against published clinical data.

Every published number and spread is read from tests/data/clinical/*.csv (see its SOURCES.md), never
retyped here. Where a paper gives SEM, the band is the between-subject SD (SEM x sqrt(n)), the spread a
single patient (which the model is) falls in. Where a paper gives a number or a direction without any
spread, the band used is an assumption named below (``ASSUMED_*``), so that it is visible as such.

Runs start from the model's own steady state (the shipped body scenarios pre-equilibrate by simulation,
``preequilibration_time``); output grids are as coarse as each comparison allows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

import mgsignal as mg

CLINICAL = Path(__file__).resolve().parent.parent / "data" / "clinical"
DAY, HOUR = 86400.0, 3600.0
PLASMA, URINE = "plasma_Mg_total", "urinary_Mg_excretion"

#: Assumption: band (percentage points) around a single-dose change of 24-h urinary Mg reported without a
#: spread (furosemide +20 %) or as "not significant" (amiloride, combinations): n = 7-19 per study
ASSUMED_URINE_CHANGE_BAND = {"loop": 10.0, "not_significant": 15.0}
#: Assumption: relative band around point values given without spread ("doubling", "~2.0 mmol/L",
#: "comparable at steady state")
ASSUMED_RELATIVE_BAND = 0.15
#: Assumption: "low" urinary Mg in the PPI case series, taken as below 1 mmol/d (normal 4.1-4.9)
ASSUMED_LOW_URINE = 1.0
#: Assumption: "several months" (Shils 1964), taken as 60-180 days
ASSUMED_SEVERAL_MONTHS = (60.0, 180.0)
#: Mg dose of the tolerance test, 0.1 mmol/kg (Fatemi 1991 abstract) for the model's 70 kg adult
TOLERANCE_TEST_DOSE = 0.1 * 70.0
#: mmol of Mg per g MgSO4.7H2O (246.47 g/mol); the maintenance infusion of the 4.5 g + 1.5 g/h regimen
MMOL_PER_G_MGSO4, TO2025_MAINTENANCE_G_PER_H = 4.06, 1.5


# ------------------------------------------------------------------ published data

@lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(CLINICAL / f"{name}.csv", dtype={"value": str}).set_index("id")


def row(name: str, rid: str) -> pd.Series:
    return _table(name).loc[rid]


def value(name: str, rid: str, column: str = "value") -> float:
    return float(row(name, rid)[column])


def band(name: str, rid: str) -> tuple[float, float]:
    """The published spread of a row; SEM spreads become value +/- SD (SD = SEM x sqrt(n))."""
    r = row(name, rid)
    low, high = float(r["spread_low"]), float(r["spread_high"])
    if "SEM" in str(r["spread_type"]):
        sd = (high - low) / 2 * math.sqrt(float(r["n"]))
        return float(r["value"]) - sd, float(r["value"]) + sd
    return low, high


def around(center: float, half: float) -> tuple[float, float]:
    return center - half, center + half


# ------------------------------------------------------------------ runs

@pytest.fixture(scope="module")
def body() -> mg.Model:
    return mg.load_model("body")


class Runs:
    """Time courses of shipped scenarios on a given grid, each run once per module."""

    def __init__(self, model: mg.Model):
        self.model, self._cache = model, {}

    def __call__(self, scenario: str, t_end: float, step: float | None = None,
                 outputs: tuple[str, ...] = (PLASMA, URINE, "FEMg")) -> pd.DataFrame:
        key = (scenario, t_end, step, outputs)
        if key not in self._cache:
            n = 2 if step is None else int(round(t_end / step)) + 1
            self._cache[key] = mg.simulate(self.model, mg.load_scenario(scenario), t_end=t_end, n_points=n,
                                           outputs=list(outputs))
        return self._cache[key]


@pytest.fixture(scope="module")
def runs(body) -> Runs:
    return Runs(body)


def at(table: pd.DataFrame, column: str, t: float) -> float:
    return float(np.interp(t, table.index.to_numpy(), table[column].to_numpy()))


def collected(table: pd.DataFrame, day: float) -> float:
    """Urinary Mg (mmol) collected over [day, day + 1) (days from the start of the run)."""
    window = table.loc[day * DAY - 1e-6:(day + 1) * DAY + 1e-6, URINE]
    return float(np.trapezoid(window.to_numpy(), window.index.to_numpy() / DAY))


def urine_change_percent(runs: Runs, scenario: str) -> float:
    """24-h urinary Mg on the first day of treatment (day 1) against the control day before (day 0)."""
    table = runs(scenario, 2 * DAY, 900.0)
    return 100 * (collected(table, 1) / collected(table, 0) - 1)


def retention_percent(runs: Runs, scenario: str, test_day: int) -> float:
    table = runs(scenario, (test_day + 1) * DAY, 600.0, outputs=(URINE,))
    return 100 * (1 - (collected(table, test_day) - collected(table, test_day - 1)) / TOLERANCE_TEST_DOSE)


# ------------------------------------------------------------------ comparisons

@dataclass(frozen=True)
class Comparison:
    """One simulated number against its published band."""

    name: str
    scenario: str
    quantity: str
    simulated: Callable[[Runs], float]
    band: Callable[[], tuple[float, float]]
    source: str  # "file/row id" of the published number, or how the band was assumed


def _mg_free_days_to_range(runs: Runs) -> float:
    """First day at which plasma Mg / control lies inside Shils' 1/4-1/3 range."""
    table = runs("body_mg_free_diet", 300 * DAY, DAY, outputs=(PLASMA,))
    low, high = band("dietary_depletion", "shils1964_plasma_ratio")
    ratio = table[PLASMA].to_numpy() / table[PLASMA].iloc[0]
    inside = np.flatnonzero((ratio >= low) & (ratio <= high))
    return float(table.index[inside[0]] / DAY - 1) if inside.size else math.inf  # the diet starts on day 1


def _mg_free_plasma_ratio(runs: Runs, diet_day: float) -> float:
    """Plasma Mg / control on a given day of the Mg-free diet (the diet starts on day 1 of the run)."""
    table = runs("body_mg_free_diet", 300 * DAY, DAY, outputs=(PLASMA,))
    return at(table, PLASMA, (diet_day + 1) * DAY) / table[PLASMA].iloc[0]


def _mg_free_urine_weeks_1_3(runs: Runs) -> float:
    """Largest 24-h urinary Mg of the Mg-free diet from the day by which it is published to be below
    1 mmol/d (IOM 1997: 'within 3 to 4 days') to the end of week 3 (diet day k is [k, k + 1) d of the run)."""
    first = int(value("dietary_depletion", "iom_urine_depletion", "time"))
    table = runs("body_mg_free_diet", 23 * DAY, HOUR, outputs=(URINE,))
    return max(collected(table, day) for day in range(first, 22))


def _aminoglycoside_ratio(column: str, pre: str, post: str) -> Comparison:
    def simulated(runs):
        table = runs("body_aminoglycoside", 15 * DAY, DAY)
        return at(table, column, 15 * DAY) / at(table, column, 0)

    def published():
        (pre_low, pre_high), (post_low, post_high) = band("nephrotoxic_drugs", pre), band("nephrotoxic_drugs", post)
        return post_low / pre_high, post_high / pre_low
    return Comparison(f"aminoglycoside_{column}_ratio", "body_aminoglycoside", f"{column} day 14 / day 0",
                      simulated, published, f"nephrotoxic_drugs/{pre}, {post} (ratio of IQR bounds)")


def _cisplatin_max_femg(runs: Runs) -> float:
    table = runs("body_cisplatin", 127 * DAY, DAY / 2)
    threshold = float(re.search(r">= ([\d.]+) mg/dL", row("nephrotoxic_drugs", "cisplatin_femg")["quantity"])[1])
    return float(table.loc[table[PLASMA] >= threshold / 2.4305, "FEMg"].max())  # mg/dL -> mmol/L


def _egfr_slope(runs: Runs) -> float:
    table = runs("body_egfr_antibody", 91 * DAY, DAY / 2, outputs=(PLASMA,))
    days = table.loc[DAY:91 * DAY]
    return float(np.polyfit(days.index.to_numpy() / DAY, days[PLASMA].to_numpy(), 1)[0])


def _mgso4(scenario: str) -> Callable[[Runs], pd.DataFrame]:
    return lambda runs: runs(scenario, 25 * HOUR, 300.0, outputs=(PLASMA,))


ZUSPAN, ZUSPAN_2G, PRITCHARD = (_mgso4("body_mgso4_zuspan"), _mgso4("body_mgso4_zuspan_2g_per_h"),
                                _mgso4("body_mgso4_pritchard"))
TO2025 = _mgso4("body_mgso4_4_5g_load_1_5g_per_h")  # loading dose starts at 1 h


#: L/d in 1 mL/min
L_PER_DAY_PER_ML_PER_MIN = 1.44


def _preeclampsia_gfr() -> float:
    """The GFR (mL/min) the pre-eclampsia MgSO4 scenarios pre-equilibrate with; all four use the same."""
    values = {mg.load_scenario(name).preequilibration.get("GFR") for name in
              ("body_mgso4_zuspan", "body_mgso4_zuspan_2g_per_h", "body_mgso4_pritchard", "body_mgso4_4_5g_load_1_5g_per_h")}
    assert len(values) == 1 and None not in values, values
    return values.pop() / L_PER_DAY_PER_ML_PER_MIN


def _mean_12_24(table: pd.DataFrame) -> float:
    return float(table.loc[13 * HOUR + 1:25 * HOUR, PLASMA].mean())


COMPARISONS = [
    # reference values (default steady state, from the start of any pre-equilibrated run)
    Comparison("reference_plasma_total", "default", "plasma total Mg (mmol/L)",
               lambda r: at(r("body_egfr_antibody", DAY), PLASMA, 0), lambda: band("reference_values", "ref_plasma_total"),
               "reference_values/ref_plasma_total"),
    Comparison("reference_plasma_ionized", "default", "plasma ionized Mg (mmol/L)",
               lambda r: at(r("body_egfr_antibody", DAY, outputs=("plasma_Mg_ionized",)), "plasma_Mg_ionized", 0),
               lambda: band("reference_values", "ref_plasma_ionized_serum"), "reference_values/ref_plasma_ionized_serum"),
    Comparison("reference_urine", "default", "24-h urinary Mg (mmol/d)",
               lambda r: at(r("body_egfr_antibody", DAY), URINE, 0), lambda: band("reference_values", "ref_urine_range"),
               "reference_values/ref_urine_range"),
    Comparison("reference_femg", "default", "FEMg (%)", lambda r: at(r("body_egfr_antibody", DAY), "FEMg", 0),
               lambda: band("reference_values", "ref_femg"), "reference_values/ref_femg"),
    # dietary depletion
    Comparison("deprivation_plasma_day21", "body_dietary_mg_deprivation", "plasma Mg on day 21 of the diet (mmol/L)",
               lambda r: at(r("body_dietary_mg_deprivation", 22 * DAY, DAY), PLASMA, 22 * DAY),
               lambda: band("dietary_depletion", "fatemi_serum_post"), "dietary_depletion/fatemi_serum_post (SD)"),
    Comparison("deprivation_plasma_ratio", "body_dietary_mg_deprivation", "plasma Mg day 21 / day 0",
               lambda r: (at(r("body_dietary_mg_deprivation", 22 * DAY, DAY), PLASMA, 22 * DAY)
                          / at(r("body_dietary_mg_deprivation", 22 * DAY, DAY), PLASMA, DAY)),
               lambda: _ratio_band(("dietary_depletion", "fatemi_serum_post"), ("dietary_depletion", "fatemi_serum_pre")),
               "dietary_depletion/fatemi_serum_post / fatemi_serum_pre (SD of the ratio)"),
    Comparison("retention_replete", "body_mg_retention_test_replete", "retention of a 0.1 mmol/kg IV load (%)",
               lambda r: retention_percent(r, "body_mg_retention_test_replete", 1),
               lambda: band("dietary_depletion", "fatemi_retention_pre"), "dietary_depletion/fatemi_retention_pre (SD)"),
    Comparison("retention_depleted", "body_mg_retention_test_depleted", "retention after 3 weeks of deprivation (%)",
               lambda r: retention_percent(r, "body_mg_retention_test_depleted", 22),
               lambda: band("dietary_depletion", "fatemi_retention_post"), "dietary_depletion/fatemi_retention_post (SD)"),
    Comparison("mg_free_diet_months", "body_mg_free_diet", "day plasma Mg / control enters 1/4-1/3",
               _mg_free_days_to_range, lambda: ASSUMED_SEVERAL_MONTHS,
               "dietary_depletion/shils1964_plasma_ratio; 'several months' = ASSUMED_SEVERAL_MONTHS"),
    Comparison("mg_free_diet_nadir", "body_mg_free_diet", "plasma Mg / control after 300 days",
               lambda r: (r("body_mg_free_diet", 300 * DAY, DAY, outputs=(PLASMA,))[PLASMA].iloc[-1]
                          / r("body_mg_free_diet", 300 * DAY, DAY, outputs=(PLASMA,))[PLASMA].iloc[0]),
               lambda: band("dietary_depletion", "shils_nadir_ratio"), "dietary_depletion/shils_nadir_ratio"),
    Comparison("mg_free_diet_urine", "body_mg_free_diet", "largest 24-h urinary Mg, diet days 4-21 (mmol/d)",
               _mg_free_urine_weeks_1_3, lambda: band("dietary_depletion", "iom_urine_depletion"),
               "dietary_depletion/iom_urine_depletion (< 1 mmol/d within 3-4 days)"),
    # diuretics, single dose (24-h urine, first day vs control day)
    Comparison("loop_diuretic_urine", "body_loop_diuretic", "24-h urinary Mg change (%)",
               lambda r: urine_change_percent(r, "body_loop_diuretic"),
               lambda: around(value("diuretics", "leary_furosemide80"), ASSUMED_URINE_CHANGE_BAND["loop"]),
               "diuretics/leary_furosemide80 +/- ASSUMED_URINE_CHANGE_BAND"),
    Comparison("thiazide_urine", "body_thiazide", "24-h urinary Mg change (%)",
               lambda r: urine_change_percent(r, "body_thiazide"), lambda: band("diuretics", "leary_thiazides"),
               "diuretics/leary_thiazides (range)"),
    Comparison("k_sparing_urine", "body_k_sparing_diuretic", "24-h urinary Mg change (%)",
               lambda r: urine_change_percent(r, "body_k_sparing_diuretic"),
               lambda: around(value("diuretics", "leary_amiloride"), ASSUMED_URINE_CHANGE_BAND["not_significant"]),
               "diuretics/leary_amiloride (n.s.) +/- ASSUMED_URINE_CHANGE_BAND"),
    Comparison("thiazide_plus_amiloride_urine", "body_thiazide_plus_amiloride", "24-h urinary Mg change (%)",
               lambda r: urine_change_percent(r, "body_thiazide_plus_amiloride"),
               lambda: around(value("diuretics", "leary_combinations"), ASSUMED_URINE_CHANGE_BAND["not_significant"]),
               "diuretics/leary_combinations (n.s.) +/- ASSUMED_URINE_CHANGE_BAND"),
    # nephrotoxic drugs
    _aminoglycoside_ratio(PLASMA, "amikacin_plasma_pre", "amikacin_plasma_post"),
    _aminoglycoside_ratio("FEMg", "amikacin_femg_pre", "amikacin_femg_post"),
    Comparison("cisplatin_nadir_ratio", "body_cisplatin", "lowest plasma Mg / baseline",
               lambda r: (r("body_cisplatin", 127 * DAY, DAY / 2)[PLASMA].min()
                          / r("body_cisplatin", 127 * DAY, DAY / 2)[PLASMA].iloc[0]),
               lambda: tuple(b / value("nephrotoxic_drugs", "cisplatin_baseline")
                             for b in band("nephrotoxic_drugs", "cisplatin_nadir")),
               "nephrotoxic_drugs/cisplatin_nadir (SD) / cisplatin_baseline"),
    Comparison("cisplatin_femg", "body_cisplatin", "largest FEMg while plasma Mg >= 1.5 mg/dL (%)",
               _cisplatin_max_femg, lambda: band("nephrotoxic_drugs", "cisplatin_femg"), "nephrotoxic_drugs/cisplatin_femg"),
    # proton-pump inhibitor, 4 years
    Comparison("ppi_plasma", "body_proton_pump_inhibitor", "plasma Mg after 4 years (mmol/L)",
               lambda r: r("body_proton_pump_inhibitor", 1460 * DAY)[PLASMA].iloc[-1], lambda: band("ppi", "ppi_cases_mg"),
               "ppi/ppi_cases_mg (IQR)"),
    Comparison("ppi_urine", "body_proton_pump_inhibitor", "urinary Mg after 4 years (mmol/d)",
               lambda r: r("body_proton_pump_inhibitor", 1460 * DAY)[URINE].iloc[-1], lambda: (0.0, ASSUMED_LOW_URINE),
               "ppi/ppi_cases_urine ('low') < ASSUMED_LOW_URINE"),
    # EGFR antibody, 90 days
    Comparison("egfr_change_90d", "body_egfr_antibody", "plasma Mg change over 90 days (mmol/L)",
               lambda r: (at(r("body_egfr_antibody", 91 * DAY, DAY / 2, outputs=(PLASMA,)), PLASMA, 91 * DAY)
                          - at(r("body_egfr_antibody", 91 * DAY, DAY / 2, outputs=(PLASMA,)), PLASMA, DAY)),
               lambda: band("egfr_antibody", "tejpar_change_90d"), "egfr_antibody/tejpar_change_90d (SD x 90)"),
    # MgSO4 in pre-eclampsia
    Comparison("zuspan_doubling", "body_mgso4_zuspan", "plasma Mg 30 min after the load / baseline",
               lambda r: at(ZUSPAN(r), PLASMA, 1.5 * HOUR) / at(ZUSPAN(r), PLASMA, 0),
               lambda: around(value("iv_mgso4", "okusanya_load"), ASSUMED_RELATIVE_BAND * value("iv_mgso4", "okusanya_load")),
               "iv_mgso4/okusanya_load ('doubling') +/- ASSUMED_RELATIVE_BAND"),
    Comparison("preeclampsia_gfr", "body_mgso4_zuspan", "GFR of the pre-eclampsia MgSO4 scenarios (mL/min)",
               lambda r: _preeclampsia_gfr(), lambda: band("iv_mgso4", "gfr_nonpregnant_women"),
               "iv_mgso4/gfr_nonpregnant_women (SD); no pregnancy rise in pre-eclampsia: iv_mgso4/krutzen_gfr_preeclampsia"),
    Comparison("zuspan_24h", "body_mgso4_zuspan", "plasma Mg at 24 h on 1 g/h (mmol/L)",
               lambda r: at(ZUSPAN(r), PLASMA, 25 * HOUR), lambda: (0.0, float(row("iv_mgso4", "okusanya_1g")["spread_high"])),
               "iv_mgso4/okusanya_1g (< 2)"),
    Comparison("zuspan_2g_12h", "body_mgso4_zuspan_2g_per_h", "plasma Mg at 12 h on 2 g/h (mmol/L)",
               lambda r: at(ZUSPAN_2G(r), PLASMA, 13 * HOUR), lambda: band("iv_mgso4", "okusanya_2g_pritchard"),
               "iv_mgso4/okusanya_2g_pritchard (2-3)"),
    Comparison("zuspan_2g_24h", "body_mgso4_zuspan_2g_per_h", "plasma Mg at 24 h on 2 g/h (mmol/L)",
               lambda r: at(ZUSPAN_2G(r), PLASMA, 25 * HOUR), lambda: band("iv_mgso4", "okusanya_2g_pritchard"),
               "iv_mgso4/okusanya_2g_pritchard (2-3)"),
    Comparison("to2025_30min", "body_mgso4_4_5g_load_1_5g_per_h", "plasma Mg at 30 min (mmol/L)",
               lambda r: at(TO2025(r), PLASMA, 1.5 * HOUR), lambda: band("iv_mgso4", "to2025_30min"),
               "iv_mgso4/to2025_30min (IQR)"),
    Comparison("to2025_4h", "body_mgso4_4_5g_load_1_5g_per_h", "plasma Mg at 4 h (mmol/L)",
               lambda r: at(TO2025(r), PLASMA, 5 * HOUR), lambda: band("iv_mgso4", "to2025_4h"), "iv_mgso4/to2025_4h (IQR)"),
    Comparison("to2025_12h", "body_mgso4_4_5g_load_1_5g_per_h", "plasma Mg at 12 h (mmol/L)",
               lambda r: at(TO2025(r), PLASMA, 13 * HOUR),
               lambda: around(value("iv_mgso4", "to2025_12h"), ASSUMED_RELATIVE_BAND * value("iv_mgso4", "to2025_12h")),
               "iv_mgso4/to2025_12h ('stabilized at 2') +/- ASSUMED_RELATIVE_BAND"),
    Comparison("pritchard_peak", "body_mgso4_pritchard", "highest plasma Mg 1-24 h (mmol/L)",
               lambda r: float(PRITCHARD(r).loc[2 * HOUR + 1:, PLASMA].max()), lambda: band("iv_mgso4", "pritchard_levels"),
               "iv_mgso4/pritchard_levels (4-7 mEq/L, recalled)"),
    Comparison("pritchard_vs_zuspan_initial", "body_mgso4_pritchard", "plasma Mg at 1 h, Pritchard / Zuspan",
               lambda r: at(PRITCHARD(r), PLASMA, 2 * HOUR) / at(ZUSPAN(r), PLASMA, 2 * HOUR), lambda: (1.0, math.inf),
               "iv_mgso4/salinger_initial ('IM higher')"),
    Comparison("pritchard_vs_zuspan_steady", "body_mgso4_pritchard", "mean plasma Mg 12-24 h, Pritchard / Zuspan",
               lambda r: _mean_12_24(PRITCHARD(r)) / _mean_12_24(ZUSPAN(r)), lambda: around(1.0, ASSUMED_RELATIVE_BAND),
               "iv_mgso4/salinger_steady ('comparable') +/- ASSUMED_RELATIVE_BAND"),
    # oral supplement, 12 weeks
    Comparison("supplement_plasma", "body_oral_mg_supplement", "plasma Mg change at 12 weeks (mmol/L)",
               lambda r: (r("body_oral_mg_supplement", 85 * DAY)[PLASMA].iloc[-1]
                          - r("body_oral_mg_supplement", 85 * DAY)[PLASMA].iloc[0]),
               lambda: band("oral_supplementation", "zhang_serum"), "oral_supplementation/zhang_serum (95 % CI)"),
    Comparison("supplement_urine", "body_oral_mg_supplement", "urinary Mg change at 12 weeks (mmol/d)",
               lambda r: (r("body_oral_mg_supplement", 85 * DAY)[URINE].iloc[-1]
                          - r("body_oral_mg_supplement", 85 * DAY)[URINE].iloc[0]),
               lambda: band("oral_supplementation", "zhang_urine"), "oral_supplementation/zhang_urine (95 % CI)"),
    # TRPM6 loss of function (HSH)
    Comparison("hsh_untreated", "body_trpm6_loss_of_function", "untreated plasma Mg (mmol/L)",
               lambda r: r("body_trpm6_loss_of_function", 91 * DAY)[PLASMA].iloc[0], lambda: band("trpm6_hsh", "hsh_untreated"),
               "trpm6_hsh/hsh_untreated (recalled)"),
    Comparison("hsh_treated", "body_trpm6_loss_of_function", "plasma Mg after 90 days on 40 mmol/d oral Mg (mmol/L)",
               lambda r: r("body_trpm6_loss_of_function", 91 * DAY)[PLASMA].iloc[-1], lambda: band("trpm6_hsh", "hsh_treated"),
               "trpm6_hsh/hsh_treated (SD)"),
]


def _ratio_band(numerator: tuple[str, str], denominator: tuple[str, str]) -> tuple[float, float]:
    """Ratio of two published means, +/- its SD propagated from the two SDs (independent errors)."""
    n, d = value(*numerator), value(*denominator)
    sd_n, sd_d = (np.diff(band(*numerator))[0] / 2), (np.diff(band(*denominator))[0] / 2)
    ratio = n / d
    return around(ratio, ratio * math.hypot(sd_n / n, sd_d / d))


@pytest.mark.parametrize("comparison", COMPARISONS, ids=[c.name for c in COMPARISONS])
def test_simulation_lies_in_the_published_spread(runs, comparison):
    low, high = comparison.band()
    simulated = comparison.simulated(runs)
    assert low <= simulated <= high, (f"{comparison.scenario}: {comparison.quantity} = {simulated:.4g}, "
                                      f"outside [{low:.4g}, {high:.4g}] ({comparison.source})")


# ------------------------------------------------------------------ known misses, kept visible

def test_egfr_antibody_slope_of_plasma_mg(runs):
    """The fall is gradual (Tejpar 2007): the 90-day linear slope lies in the CI of the mean."""
    low, high = band("egfr_antibody", "tejpar_slope_mean_ci")
    assert low <= _egfr_slope(runs) <= high


@pytest.mark.xfail(strict=True, reason=(
    "Plasma Mg on a Mg-free diet does not stabilize: it enters 1/3 of control on day ~177 but keeps falling "
    "(0.25 on day 230, 0.21 on day 266, 0.18 on day 300): the exchangeable bone pools are in linear equilibrium "
    "with plasma ionized Mg and are drained by an endogenous faecal loss that stays ~0.5 mmol/d down to low plasma "
    "Mg (urine is already < 0.1 mmol/d). A smooth loss-reducing or Mg-releasing mechanism that holds the plateau "
    "also delays the entry past the 'several months' bound (ASSUMED_SEVERAL_MONTHS): over secretion half-saturations "
    "0.1-3 mM, slow bone pools of 100-211 mmol and a deep-bone remodelling source of 10-30 %/year, every variant that "
    "holds >= 0.25 on day 266 enters 1/3 on day 185 or later (docs/models/body.md). No human data on faecal Mg or on "
    "bone release during depletion were found to choose one."))
def test_mg_free_diet_plasma_stabilizes(runs):
    """Shils 1964: on a Mg-free diet plasma Mg fell over several months to 1/3-1/4 of control 'and then
    stabilized'. Strictest reading: still in that range at 38 weeks, the longest depletion study of the paper
    (the abstract reports the plateau for the initial studies, whose length it does not give)."""
    low, high = band("dietary_depletion", "shils1964_stabilized")
    ratio = _mg_free_plasma_ratio(runs, value("dietary_depletion", "shils1964_stabilized", "time"))
    assert low <= ratio <= high, f"plasma Mg / control at 38 weeks = {ratio:.3f}, outside [{low}, {high}]"


def test_mgso4_apparent_clearance(runs):
    """Maintenance infusion / rise of plasma Mg at 24 h lies in the population-PK clearances of Okusanya 2016.
    Above the renal threshold the kidney excretes most of the extra filtered Mg (a tubular maximum:
    reference_values/rude_tmmg, tm_gfr_lower_limit), so this clearance follows GFR x ultrafilterable fraction:
    it needs the pre-eclamptic GFR of the scenario (no pregnancy rise, iv_mgso4/krutzen_gfr_preeclampsia:
    that of non-pregnant women, iv_mgso4/gfr_nonpregnant_women, 104 mL/min), not the 125 mL/min young-adult
    default, with which it was 5.3 L/h."""
    table = TO2025(runs)
    rise = at(table, PLASMA, 25 * HOUR) - at(table, PLASMA, 0)
    clearance = TO2025_MAINTENANCE_G_PER_H * MMOL_PER_G_MGSO4 / rise  # L/h
    low, high = band("iv_mgso4", "okusanya_CL")
    assert low <= clearance <= high


# ------------------------------------------------------------------ steady state and conservation

@pytest.fixture(scope="module")
def rest(body) -> pd.Series:
    return mg.steady_state(body, outputs=["plasma_Mg_total", "plasma_Mg_ionized", "intake_total",
                                          "faecal_Mg_excretion", URINE, "Mg_balance", "body_Mg_total"])


def test_default_steady_state_is_in_the_adult_reference_ranges(rest):
    low, high = band("reference_values", "ref_plasma_total")
    assert low <= rest["plasma_Mg_total"] <= high
    for rid in ("ref_plasma_ionized", "ref_plasma_ionized_serum"):
        low, high = band("reference_values", rid)
        assert low <= rest["plasma_Mg_ionized"] <= high, rid


def test_intake_equals_faecal_plus_urinary_mg_at_steady_state(rest):
    assert rest["faecal_Mg_excretion"] + rest[URINE] == pytest.approx(rest["intake_total"], rel=1e-6)
    assert abs(rest["Mg_balance"]) < 1e-6 * rest["intake_total"]


def test_simulated_preequilibration_reaches_the_steady_state(body, rest):
    """The shipped scenarios pre-equilibrate by simulation (3e9 s); it must land on the Newton steady state."""
    start = mg.simulate(body, mg.load_scenario("body_egfr_antibody"), t_end=1.0, n_points=2,
                        outputs=list(rest.index)).iloc[0]
    np.testing.assert_allclose(start.to_numpy(), rest.to_numpy(), rtol=1e-6, atol=1e-9)


def test_body_mg_is_conserved_without_intake_and_losses(body):
    """No diet, no endogenous gut secretion, no filtration: Mg only moves between plasma, cells, bone and an
    intramuscular depot (started out of equilibrium), and the body total stays what it was."""
    closed = mg.Scenario(name="closed", preequilibration={}, preequilibration_time=3e9,
                         changes={"dietary_intake": 0.0, "Vmax_gut_secretion": 0.0, "GFR": 0.0,
                                  "Mg_ECF": 1.5, "Mg_IM_depot": 5.0})
    table = mg.simulate(body, closed, t_end=365 * DAY, n_points=13,
                        outputs=["body_Mg_total", "Mg_IM_depot", PLASMA, "Mg_bone_slow"])
    total = table["body_Mg_total"] + table["Mg_IM_depot"]
    np.testing.assert_allclose(total.to_numpy(), total.iloc[0], rtol=1e-8)
    assert table[PLASMA].iloc[-1] < 1.2 and table["Mg_bone_slow"].iloc[-1] > table["Mg_bone_slow"].iloc[0]


# ------------------------------------------------------------------ mechanisms

#: what each drug scenario may change (its named mechanism), the factor that must move (and its direction),
#: and factors computed from it (G_TAL contains the CaSR term)
DRUGS = {
    "body_loop_diuretic": ({"NKCC2_activity"}, "G_TAL", -1, set()),
    "body_thiazide": ({"NCC_activity"}, "NCC_factor", -1, set()),
    "body_k_sparing_diuretic": ({"ENaC_activity"}, "ENaC_drive", +1, set()),
    "body_aminoglycoside": ({"CaSR_sensitivity"}, "CaSR_inhibition", -1, {"G_TAL"}),
    # the EGF-dependent TRPM6 activity follows the antibody over weeks (tau_EGF_TRPM6): read after
    # a day, by which plasma Mg has begun to fall and the CaSR (hence G_TAL) follows it
    "body_egfr_antibody": ({"EGF_stimulation"}, "EGF_factor", -1, {"CaSR_inhibition", "G_TAL"}, 86400.0),
    "body_proton_pump_inhibitor": ({"TRPM6_gut_expression", "paracellular_gut_permeability"}, "true_Mg_absorption", -1,
                                   set()),
    "body_amphotericin_b": ({"tubular_injury"}, "G_TAL", -1, set()),
    "body_cisplatin": ({"tubular_injury"}, "G_TAL", -1, set()),
}
#: the mechanism factors and gut and proximal-tubule fluxes; a drug moves only its own
FACTORS = ["G_TAL", "CaSR_inhibition", "NCC_factor", "EGF_factor", "ENaC_drive", "true_Mg_absorption",
           "reabsorbed_PT_percent"]


def _first_dose(body, scenario: mg.Scenario, delay: float = 0.0) -> tuple[pd.Series, pd.Series]:
    """All factors at the default steady state, and ``delay`` s after the scenario's first
    change (0: right after it, the same state)."""
    dose = scenario.phases[0].changes
    before = mg.Scenario(name="before", preequilibration={}, preequilibration_time=3e9)
    after = replace(before, name="after", changes=dict(dose))
    ids = FACTORS + ["reabsorbed_TAL_percent", "TRPM6_DCT_abundance"]
    return (mg.simulate(body, before, t_end=1.0, n_points=2, outputs=ids).iloc[0],
            mg.simulate(body, after, t_end=max(delay, 1.0), n_points=2, outputs=ids).iloc[0 if not delay else -1])


@pytest.mark.parametrize("name", sorted(DRUGS))
def test_each_drug_acts_only_through_its_named_mechanism(body, name):
    allowed, factor, direction, derived, *delay = DRUGS[name]
    scenario = mg.load_scenario(name)
    changed = {target for target, _ in scenario.all_changes()}
    assert changed <= allowed, f"{name} changes {sorted(changed - allowed)}, not its mechanism"
    assert "Mg_ECF" not in changed
    before, after = _first_dose(body, scenario, *delay)
    assert np.sign(after[factor] - before[factor]) == direction, factor
    for other in (f for f in FACTORS if f != factor and f not in derived):
        assert after[other] == pytest.approx(before[other], rel=1e-12), f"{name} moved {other}"


def test_loop_diuretic_lowers_tal_not_proximal_reabsorption(body):
    before, after = _first_dose(body, mg.load_scenario("body_loop_diuretic"))
    assert after["reabsorbed_TAL_percent"] < 0.8 * before["reabsorbed_TAL_percent"]
    assert after["reabsorbed_PT_percent"] == pytest.approx(before["reabsorbed_PT_percent"], rel=1e-12)


def test_amiloride_blunts_thiazide_magnesiuria(runs):
    assert urine_change_percent(runs, "body_thiazide_plus_amiloride") < urine_change_percent(runs, "body_thiazide")


def test_renal_impairment_raises_plasma_mg_on_the_same_mgso4_regimen(runs):
    normal = PRITCHARD(runs)[PLASMA]
    impaired = _mgso4("body_mgso4_pritchard_renal_impairment")(runs)[PLASMA]
    assert (impaired.to_numpy() > normal.to_numpy()).all()
    assert impaired.max() > normal.max() + 0.5

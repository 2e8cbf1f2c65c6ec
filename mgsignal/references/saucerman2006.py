"""Reproduction of BIOMD0000000165 (Saucerman et al. 2006) by the ``camp_pka`` module.

The published model is run as published through :mod:`mgsignal.references.files`, with one
rewrite that leaves every rate unchanged: its protocol lives in time-switched assignment rules
(ligand for t > t_Ladd, propranolol for t > t_propadd, IBMX binding for t > 1000 s), and CVODE
stalls when it has to step across such a switch (CV_TOO_MUCH_WORK at t = 2160 s). So t_Ladd and
t_propadd start beyond the run and are set to 0 at phase boundaries (T_ISO, T_PROPRANOLOL), and
the run is also split at 1000 s: every switch then flips between two integrations, never inside
one. The caged cAMP is not loaded (its UV flash is the part our module leaves out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Model, load_model
from ..scenario import Phase, Scenario
from ..simulation import simulate
from .files import Reference, load_reference, simulate_reference

FILE = "BIOMD0000000165"
T_END = 3000.0  # s
T_ISO, T_PROPRANOLOL = 2160.0, 2420.0  # the published protocol (s)
NEVER = 1e12  # a switch time beyond every run
INTEGRATION = {"rtol": 1e-10, "atol": 1e-16}
#: our output -> the published model's (both uM or dimensionless)
COMPARED = {"cAMP": "cAMP_cell", "PKAC": "PKAC_cell", "AKAR_p_frac": "Ratio_AKARp_AKARtot"}
#: our parameter -> (BIOMD0000000165 parameter or species, factor from its value to ours)
PARAMETERS = {
    "kf_iso_b1AR": ("bind_L_b1AR_Kf", 1), "kr_iso_b1AR": ("bind_L_b1AR_Kr", 1),
    "kf_iso_b1AR_Gs": ("bind_L_b1ARGs_Kf", 1), "kr_iso_b1AR_Gs": ("bind_L_b1ARGs_Kd", 1),
    "kf_b1AR_Gs": ("bind_b1AR_Gs_Kf", 1), "kr_b1AR_Gs": ("bind_b1AR_Gs_Kr", 1),
    "kf_isob1AR_Gs": ("bind_Lb1AR_Gs_Kf", 1), "kr_isob1AR_Gs": ("bind_Lb1AR_Gs_Kr", 1),
    "k_gact_iso": ("LRG_activation_k_gact", 1), "k_gact_basal": ("RG_activation_k_gact", 1),
    "k_hyd": ("Gs_gtp_hydrolysis_khyd", 1), "k_reassoc": ("Gs_reassociation_k_reassoc", 1),
    "kf_propranolol": ("bind_b1AR_propranolol_Kf", 1), "kr_propranolol": ("bind_b1AR_propranolol_Kr", 1),
    "k_barkp": ("desens_bark_k_barkp", 1), "k_barkm": ("resens_bark_k_barkm", 1),
    "k_pkap": ("desens_pka_kpkap", 1), "k_pkam": ("desens_pka_kpkam", 1),
    "kf_Gs_AC": ("bind_Gs_AC_Kf", 1), "kr_Gs_AC": ("bind_Gs_AC_Kr", 1),
    "k_ac_gsa": ("k_ac_gsa_cAMP_synthesis_GsAC", 1), "k_ac_fsk": ("kfsk_cAMP_synthesis_FskAC", 1),
    "Km_ATP_GsAC": ("cAMP_synthesis_GsAC_Km", 1), "Km_ATP_FskAC": ("cAMP_synthesis_FskAC_Km", 1),
    "kf_PDE_cAMP": ("bind_PDEcAMP_Kf", 1), "kr_PDE_cAMP": ("bind_PDEcAMP_Kr", 1),
    "k_pde": ("cAMP_degradation_kpde", 1), "kf_RC_cAMP": ("bind_RC_cAMP_Kf", 1),
    "kr_RC_cAMP": ("bind_RC_cAMP_Kr", 1), "kf_ARC_cAMP": ("bind_cAMP_ARC_Kf", 1),
    "kr_ARC_cAMP": ("bind_cAMP_ARC_Kr", 1), "kf_A2RC": ("bind_A2R_PKAC_Kf", 1),
    "kr_A2RC": ("bind_A2R_PKAC_Kr", 1), "kf_PKI": ("inhib_PKAC_Kf", 1), "kr_PKI": ("inhib_PKAC_Kr", 1),
    "kf_PKAC_AKAR": ("bind_PKAC_AKAR_Kf", 1), "kr_PKAC_AKAR": ("bind_PKAC_AKAR_Kr", 1),
    "k_pka_akar": ("AKAR_phosph_kpka_akar", 1), "kf_PP_AKARp": ("bind_AKARp_PP_Kf", 1),
    "kr_PP_AKARp": ("bind_AKARp_PP_Kr", 1), "k_pp_akar": ("AKARp_dephosph_kcat_PP_AKARp", 1),
    "tau_iso": ("tauL", 1), "tau_propranolol": ("tauPropranolol", 1),
}
SPECIES = {"b1AR": "b1AR_cell", "Gs": "Gs_cell", "AC": "AC_cell", "PDE": "PDE_cell", "RC": "RC_cell",
           "PKI": "PKI_cell", "AKAR": "AKAR_cell", "PP": "PP_cell", "ATP_saucerman": "ATP_cell"}


def run_published(reference: Reference, *, iso: float = 0.1, propranolol: bool = True,
                  drugs_at_t_iso: dict[str, float] | None = None) -> pd.DataFrame:
    """BIOMD0000000165 on a 1 s grid from 0 to T_END: ``iso`` uM from T_ISO (L_pipette),
    propranolol 1 uM from T_PROPRANOLOL (its own pipette value) unless switched off, other
    species set at T_ISO. Columns renamed to our ids (:data:`COMPARED`)."""
    phases = [(1000.0, {}),  # the original's IBMX binding switches on here
              (T_ISO, {"t_Ladd": 0.0, **(drugs_at_t_iso or {})})]
    if propranolol:
        phases.append((T_PROPRANOLOL, {"t_propadd": 0.0}))
    table = simulate_reference(reference, t_end=T_END, n_points=int(T_END) + 1,
                               changes={"DMNB_cAMP_cell": 0.0, "L_pipette": iso, "t_Ladd": NEVER,
                                        "t_propadd": NEVER},
                               phases=phases, outputs=list(COMPARED.values()), **INTEGRATION)
    return table.rename(columns={original: ours for ours, original in COMPARED.items()})


def run_module(model: Model, *, iso: float = 0.1, propranolol: bool = True,
               drugs_at_t_iso: dict[str, float] | None = None, changes: dict[str, float] | None = None
               ) -> pd.DataFrame:
    """Our module under the same protocol: applied concentrations set at the same times."""
    phases = [Phase(start=T_ISO, changes={"iso_applied": iso, **(drugs_at_t_iso or {})})]
    if propranolol:
        phases.append(Phase(start=T_PROPRANOLOL, changes={"propranolol_applied": 1.0}))
    scenario = Scenario(name="saucerman2006_protocol", changes=dict(changes or {}), phases=tuple(phases))
    return simulate(model, scenario, t_end=T_END, n_points=int(T_END) + 1,
                    outputs=[*COMPARED, "PKA_act", "SLC41A1_PKA_factor"], **INTEGRATION)


def relative_deviation(ours: pd.DataFrame, theirs: pd.DataFrame, *, since: float = 0.0) -> pd.Series:
    """Max over t >= since of |ours - theirs| / max(|theirs|, 1e-6 x its peak), per output."""
    keep = ours.index >= since
    deviations = {}
    for column in COMPARED:
        a, b = ours[column].to_numpy()[keep], theirs[column].to_numpy()[keep]
        deviations[column] = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-6 * np.abs(b).max())))
    return pd.Series(deviations)


def reproduce(model: Model | None = None, reference: Reference | None = None) -> pd.DataFrame:
    """Maximum relative deviation of cAMP, free PKA C and AKAR phosphorylation under the
    published protocol (isoproterenol 0.1 uM at 2160 s, propranolol 1 uM at 2420 s), over the
    whole run and before propranolol."""
    model = model or load_model("camp_pka")
    reference = reference or load_reference(FILE)
    ours, theirs = run_module(model), run_published(reference)
    before = ours.index < T_PROPRANOLOL
    return pd.DataFrame({"published protocol": relative_deviation(ours, theirs),
                         "before propranolol": relative_deviation(ours[before], theirs[before])}).T.rename_axis("protocol")

"""Apparent dissociation constant of Mg2+ with total inorganic phosphate in cytosol-like solution.
Inputs: thermodynamic (I = 0) association constants at 37 C, MgHPO4 1004 L/mol and MgH2PO4+ 43 L/mol
(The solubility of CaHPO4.2H2O and MgHPO4.3H2O and ion pair formation in the system M(OH)2-H3PO4-H2O
at 37 C, Bull. Soc. Chim. Belg. 99:543-552 (1990), doi:10.1002/bscb.19900990805, abstract read via
search result https://scilit.com/publications/55e19742cd8d7d6867e4bb417eebe410);
pKa2 of phosphoric acid 7.20 (I = 0; table of constants in Acta Biomater 5:508 (2009), PMC2630969 Table 2);
Davies activity coefficients at I = 0.15 M; pH 7.1."""
import math
I, pH = 0.15, 7.1
s = math.sqrt(I)
g = lambda z: 10 ** (-0.509 * z * z * (s / (1 + s) - 0.3 * I))
g1, g2 = g(1), g(2)
pKa2 = 7.20 - math.log10(g1 / g2)                # pH read as H+ activity
f_hpo4 = 1 / (1 + 10 ** (pKa2 - pH))
K_app = 1004 * g2 * g2 * f_hpo4 + 43 * g2 * (1 - f_hpo4)   # per mol/L of total Pi
print(f"gamma1={g1:.3f} gamma2={g2:.3f} pKa2'={pKa2:.2f} f(HPO4)={f_hpo4:.2f} "
      f"K_app={K_app:.0f} /M  Kd_app={1000 / K_app:.1f} mM")

for h in 2.4 4 6 8; do
  FIX="h_act_SLC41A1=$h" OUT="profile_h$h.json" timeout 1500 /work/main/.venv/bin/python fit.py 400 fit_h12_priors.json priors > profile_h$h.log 2>&1
done

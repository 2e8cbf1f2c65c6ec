import sys; sys.path.insert(0,'.')
from simlib import Model
def show(f, over=None, extra=()):
    m=Model(f); m.fresh(over); m.relax()
    ids=['Mg_c','Mg_tot_c','Mg_m','Mg_tot_m','ATP_tot_c','MgATP_c']+list(extra)
    print(f, over or '', ' '.join(f"{i}={m.get(i):.4g}" for i in ids if i in m.ids))
    return m
if __name__=='__main__':
    show('mg_transport_original.ant')
    show('mg_transport.ant', extra=['ADP_tot_c','AMP_c','Pi_tot_c','J_SLC41A1','J_MagT1','J_TRPM7','J_MRS2','act_SLC41A1','f_TRPM7'])

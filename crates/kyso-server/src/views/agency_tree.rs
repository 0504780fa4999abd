//! The agency tree as the pages show it: every agency under its parent,
//! in code order, with its depth (an agency whose parent is unknown
//! still appears, at the depth its chain gives).

use kyso_office::agency::AgencyView;

/// The deepest level a page indents.
pub const MAX_DEPTH: usize = 4;

/// `all` in tree order with each agency's depth (capped at [`MAX_DEPTH`]).
pub fn in_tree_order(all: &[AgencyView]) -> Vec<(&AgencyView, usize)> {
    fn walk(all: &[AgencyView], parent: Option<i64>, out: &mut Vec<(usize, usize)>, depth: usize) {
        for (i, a) in all.iter().enumerate() {
            if a.parent_id == parent && depth < 10 {
                out.push((i, depth));
                walk(all, Some(a.id), out, depth + 1);
            }
        }
    }
    let depth_of = |a: &AgencyView| {
        let mut d = 0;
        let mut p = a.parent_id;
        while let Some(id) = p {
            d += 1;
            p = all.iter().find(|x| x.id == id).and_then(|x| x.parent_id);
            if d > 10 {
                break;
            }
        }
        d
    };
    let mut order = Vec::new();
    walk(all, None, &mut order, 0);
    for (i, a) in all.iter().enumerate() {
        if !order.iter().any(|(j, _)| *j == i) {
            order.push((i, depth_of(a)));
        }
    }
    order
        .into_iter()
        .map(|(i, d)| (&all[i], d.min(MAX_DEPTH)))
        .collect()
}

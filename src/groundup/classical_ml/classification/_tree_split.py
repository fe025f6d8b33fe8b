r"""CART grown level by level: every node of one depth is split at once, by sorting and cumulative sums.

A node $t$ with weighted samples $(x_i, y_i, w_i)$ is split on the feature $j$ and threshold
$\tau$ that minimise the weighted impurity of the two children

$$ W_L\, H(L) + W_R\, H(R), \qquad L = \{i \in t : x_{ij} \le \tau\},\ R = t \setminus L. $$

For a fixed feature, sorting the node's samples by $x_{\cdot j}$ makes every candidate split a
position $p$ in the sorted order, and the left child's class weights at *every* position are
one cumulative sum, $c_L(p) = \sum_{q \le p} w_q\, \mathbb 1[y_q = k]$; the right child's are
$c_R(p) = c_t - c_L(p)$. So all thresholds of all features are scored with array operations,
and no Python loop visits a threshold. Each impurity reduces to a *proxy* to maximise:

- Gini, $H = 1 - \sum_k p_k^2$: $W_L H(L) + W_R H(R) = W_t - \big(\sum_k c_{L,k}^2 / W_L +
  \sum_k c_{R,k}^2 / W_R\big)$.
- Entropy, $H = -\sum_k p_k \log_2 p_k$: $W_L H(L) = \big(W_L \ln W_L - \sum_k c_{L,k}\ln c_{L,k}\big)/\ln 2$.
- Squared error, $H = \frac1W \sum w (y - \bar y)^2$: $W_L H(L) + W_R H(R) = \sum_t w y^2 -
  \big(S_L^2 / W_L + S_R^2 / W_R\big)$ with $S = \sum w y$.

Going further, the nodes of one depth (of one tree, or of every tree of a forest) are searched
together: the samples are sorted by the key (node, rank of $x_{\cdot j}$), so each node is a
contiguous segment, and one cumulative sum minus the sum at the segment's start gives every
node's left-child statistics. The Python loop runs over depths, never over nodes or thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = float(np.finfo(np.float64).eps)
# Elements of the (samples, features, classes) cumulative-sum block; bounds memory per chunk.
_BLOCK = 4_000_000


@dataclass
class TreeArrays:
    """A fitted tree as parallel node arrays (node 0 is the root), like ``sklearn.tree._tree.Tree``.

    Attributes
    ----------
    children_left, children_right : ndarray of shape (node_count,)
        Child node ids; ``-1`` at a leaf.
    feature : ndarray of shape (node_count,)
        Feature a node splits on; ``-2`` at a leaf.
    threshold : ndarray of shape (node_count,)
        Samples with ``x[feature] <= threshold`` go left; ``-2.0`` at a leaf.
    value : ndarray of shape (node_count, 1, n_values)
        Class fractions (classifier) or the mean target (regressor) of the node's samples.
    impurity, weighted_n_node_samples : ndarray of shape (node_count,)
    n_node_samples : ndarray of shape (node_count,)
        Number of distinct training samples reaching the node.
    max_depth : int
    """

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    impurity: np.ndarray
    n_node_samples: np.ndarray
    weighted_n_node_samples: np.ndarray
    max_depth: int

    @property
    def node_count(self) -> int:
        return int(self.children_left.shape[0])

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self.children_left == -1))

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf id reached by each row of ``X`` (n, n_features) -> (n,); one step per depth."""
        node = np.zeros(X.shape[0], dtype=np.intp)  # (n,)
        rows = np.arange(X.shape[0])
        for _ in range(self.max_depth):
            go_left = X[rows, np.maximum(self.feature[node], 0)] <= self.threshold[node]  # (n,)
            child = np.where(go_left, self.children_left[node], self.children_right[node])
            node = np.where(self.children_left[node] == -1, node, child)  # leaves stay put
        return node

    def feature_importances(self, n_features: int) -> np.ndarray:
        r"""Mean decrease in impurity, $\sum_{t \text{ splits on } j} W_t H_t - W_L H_L - W_R H_R$, normalised."""
        internal = np.flatnonzero(self.children_left != -1)
        left, right = self.children_left[internal], self.children_right[internal]
        wH = self.weighted_n_node_samples * self.impurity  # (node_count,)
        decrease = wH[internal] - wH[left] - wH[right]
        importances = np.bincount(self.feature[internal], decrease, minlength=n_features)
        total = importances.sum()
        return importances / total if total > 0 else importances


def rank_columns(X: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Dense rank of every value within its column, given ``order = argsort(X, axis=0)``: (n, f) int."""
    n, f = X.shape
    Xs = np.take_along_axis(X, order, axis=0)
    new_value = np.concatenate([np.zeros((1, f), dtype=np.intp), (np.diff(Xs, axis=0) > 0)])
    ranks = np.empty((n, f), dtype=np.int32 if n < 2**31 else np.intp)
    np.put_along_axis(ranks, order, np.cumsum(new_value, axis=0), axis=0)
    return ranks


def _xlogx(x: np.ndarray) -> np.ndarray:
    r"""$x \ln x$ with $0 \ln 0 = 0$."""
    return x * np.log(np.where(x > 0, x, 1.0))


def _segment_cumsum(A: np.ndarray, seg_start: np.ndarray, s_nid: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum along the last axis, restarting at every segment; overwrites ``A``."""
    cum = np.cumsum(A, axis=-1, out=A)
    before = np.zeros(A.shape[:-1] + seg_start.shape, dtype=A.dtype)  # sum before each segment
    later = seg_start > 0
    before[..., later] = cum[..., seg_start[later] - 1]
    cum -= before[..., s_nid]
    return cum


def _same_class_before(ys: np.ndarray, ws: np.ndarray, s_nid: np.ndarray) -> np.ndarray:
    r"""$r_q = \sum_{q' < q,\ q' \in t,\ y_{q'} = y_q} w_{q'}$: own-class weight left of each row.

    A stable sort by class (a radix sort of small integers) groups each (node, class) pair
    while keeping x-order, so $r$ is one exclusive cumulative sum per group.
    ``ys``, ``ws``: (k, n_a) classes and weights in (node, x) order; ``s_nid``: (n_a,).
    """
    key = ys.astype(np.uint16) if ys.max(initial=0) < 2**16 else ys
    perm = np.argsort(key, axis=-1, kind="stable")  # (k, n_a)
    y_p = np.take_along_axis(ys, perm, axis=-1)
    s_p = s_nid[perm]
    w_p = np.take_along_axis(ws, perm, axis=-1)
    boundary = np.ones(ys.shape, dtype=bool)
    boundary[:, 1:] = (y_p[:, 1:] != y_p[:, :-1]) | (s_p[:, 1:] != s_p[:, :-1])
    excl = np.cumsum(w_p, axis=-1) - w_p
    start = np.maximum.accumulate(np.where(boundary, np.arange(ys.shape[1]), 0), axis=-1)
    r = np.empty_like(excl)
    np.put_along_axis(r, perm, excl - np.take_along_axis(excl, start, axis=-1), axis=-1)
    return r


def grow_trees(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray,
    *,
    criterion: str,
    n_classes: int,
    max_depth: int | None,
    min_samples_split: int,
    min_samples_leaf: int,
    max_features: int,
    min_impurity_decrease: float,
    rng: np.random.Generator,
) -> list[TreeArrays]:
    """Grow one tree per row of ``sample_weight``, all trees level by level together.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class index in ``[0, n_classes)`` (classification) or the float target (regression).
    sample_weight : ndarray of shape (n_trees, n_samples)
        Weights of each tree's samples (bootstrap counts for a forest); zero drops a sample.
    criterion : {"gini", "entropy", "log_loss", "squared_error"}
    max_features : int
        Features drawn at random (without replacement, constant ones last) at each node.

    Returns
    -------
    list of TreeArrays, one per tree.
    """
    f = X.shape[1]
    classify = criterion != "squared_error"
    C = n_classes if classify else 1
    max_depth = np.iinfo(np.int32).max if max_depth is None else max_depth
    n_trees = sample_weight.shape[0]
    # Active samples (one entry per tree and sample of positive weight): row of X, node, weight.
    present = sample_weight > 0  # (n_trees, n)
    tree_of_sample, idx = np.nonzero(present)
    w = sample_weight[tree_of_sample, idx].astype(np.float64)
    nid = tree_of_sample.astype(np.intp)
    y_act = y[idx]
    X_order = np.argsort(X, axis=0, kind="stable")  # (n, f), sorted once for the whole growth
    ranks = rank_columns(X, X_order)  # (n, f)
    R = int(ranks.max(initial=0)) + 1
    # Active samples stay sorted by node. With every feature searched at every node, keep
    # order[j]: active samples sorted by (node, x_j), a node being the same span of each row j,
    # and split it as nodes split (no sort after the first). With a few random features per
    # node, sort the (node, x_j) keys of just those features at each depth instead.
    full = max_features >= f
    order = _initial_order(X_order, present) if full else None  # (f, n_a)

    capacity = 2 * idx.shape[0] + n_trees
    left = np.full(capacity, -1, dtype=np.intp)
    right = np.full(capacity, -1, dtype=np.intp)
    feature = np.full(capacity, -2, dtype=np.intp)
    threshold = np.full(capacity, -2.0)
    value = np.zeros((capacity, C))
    impurity = np.zeros(capacity)
    n_node = np.zeros(capacity, dtype=np.intp)
    W_node = np.zeros(capacity)
    depth_of = np.zeros(capacity, dtype=np.intp)
    tree_of = np.zeros(capacity, dtype=np.intp)
    tree_of[:n_trees] = np.arange(n_trees)
    frontier = np.arange(n_trees)  # global ids of the nodes at this depth, in node order
    next_id = n_trees
    W_root = np.bincount(tree_of_sample, w, minlength=n_trees)
    depth = 0
    while True:
        m = frontier.shape[0]
        # Statistics of every frontier node, from its samples.
        cnt = np.bincount(nid, minlength=m)  # (m,)
        W = np.bincount(nid, w, minlength=m)  # (m,)
        # BEGIN SOLUTION
        if classify:
            c_t = np.bincount(nid * C + y_act, w, minlength=m * C).reshape(m, C)  # (m, C)
            p = c_t / W[:, None]
            if criterion == "gini":
                # $H = 1 - \sum_k p_k^2$
                H = 1.0 - np.sum(p**2, axis=1)
            else:
                # $H = -\sum_k p_k \log_2 p_k$
                H = -np.sum(_xlogx(p), axis=1) / np.log(2.0)
            value[frontier] = p
        else:
            S_t = np.bincount(nid, w * y_act, minlength=m)
            Q_t = np.bincount(nid, w * y_act**2, minlength=m)
            # $H = \overline{y^2} - \bar y^2$
            H = np.maximum(Q_t / W - (S_t / W) ** 2, 0.0)
            value[frontier, 0] = S_t / W
        # END SOLUTION
        impurity[frontier], n_node[frontier], W_node[frontier] = H, cnt, W
        depth_of[frontier] = depth

        splittable = (
            (depth < max_depth)
            & (cnt >= min_samples_split)
            & (cnt >= 2 * min_samples_leaf)
            & (H > EPSILON)
        )
        if not splittable.any():
            break
        if not splittable.all():
            # Leaves drop out: their samples leave every column (whole segments, same rows).
            keep = splittable[nid]
            remap = np.cumsum(keep) - 1
            if full:
                order = remap[order[:, keep[order[0]]]]
            idx, w, y_act = idx[keep], w[keep], y_act[keep]
            nid = (np.cumsum(splittable) - 1)[nid[keep]]
            frontier, cnt, W, H = (a[splittable] for a in (frontier, cnt, W, H))
            if classify:
                c_t = c_t[splittable]
            else:
                S_t, Q_t = S_t[splittable], Q_t[splittable]
            m = frontier.shape[0]
        n_a = idx.shape[0]
        rows = np.arange(n_a)
        seg_start = np.concatenate([[0], np.cumsum(cnt)[:-1]])  # (m,)
        s_nid = np.repeat(np.arange(m), cnt)  # node of each sorted row, (n_a,)
        n_left = rows + 1 - seg_start[s_nid]  # samples left of the gap after each row
        size_ok = (n_left >= min_samples_leaf) & (cnt[s_nid] - n_left >= min_samples_leaf)

        feats = _draw_features(ranks, idx, seg_start, max_features, rng)  # (m, k)
        k = feats.shape[1]
        best_score = np.full(n_a, -np.inf)
        best_col = np.zeros(n_a, dtype=np.intp)
        best_pair = np.zeros((n_a, 2), dtype=np.intp)  # X rows at sorted positions p, p+1
        if classify:
            sq_t = np.sum(c_t**2, axis=1)  # $\sum_k c_{t,k}^2$, (m,)
            xlx_t = np.sum(_xlogx(c_t), axis=1)
        chunk = max(1, _BLOCK // n_a)
        for j0 in range(0, k, chunk):
            if k == f:  # every node searches every feature
                F = np.arange(j0, min(j0 + chunk, f))[:, None]  # (kc, 1)
                O = order[j0 : j0 + chunk]  # (kc, n_a)
            else:
                F = feats[nid, j0 : j0 + chunk].T  # (kc, n_a)
                O = np.argsort(nid * R + ranks[idx, F], axis=-1)  # (kc, n_a)
            sample = idx[O]  # X row at each sorted position, (kc, n_a)
            sV = ranks[sample, F]
            valid = np.zeros(O.shape, dtype=bool)
            valid[:, :-1] = sV[:, 1:] != sV[:, :-1]  # a threshold fits between p and p+1
            valid &= size_ok
            ws = w[O]  # (kc, n_a)
            W_L = _segment_cumsum(ws.copy(), seg_start, s_nid)
            W_R = W[s_nid] - W_L
            with np.errstate(divide="ignore", invalid="ignore"):
                if classify:
                    ys = y_act[O]
                    r = _same_class_before(ys, ws, s_nid)  # (kc, n_a)
                    c_y = c_t[s_nid, ys]  # $c_{t,y_q}$
                if criterion == "gini":
                    # $\sum_k c_{L,k}^2 = \sum_{q \le p} (2 w_q r_q + w_q^2)$
                    sq_L = _segment_cumsum(ws * (2.0 * r + ws), seg_start, s_nid)
                    # $\sum_k c_{R,k}^2 = \sum_k c_{t,k}^2 - 2\sum_{q \le p} w_q c_{t,y_q} + \sum_k c_{L,k}^2$
                    sq_R = sq_t[s_nid] - 2.0 * _segment_cumsum(ws * c_y, seg_start, s_nid) + sq_L
                    # proxy $\sum_k c_{L,k}^2/W_L + \sum_k c_{R,k}^2/W_R$
                    score = sq_L / W_L + sq_R / W_R
                elif classify:
                    # $\sum_k c_{L,k}\ln c_{L,k}$: moving q left turns $r_q$ into $r_q + w_q$
                    xlx_L = _segment_cumsum(_xlogx(r + ws) - _xlogx(r), seg_start, s_nid)
                    c_R = np.maximum(c_y - r - ws, 0.0)  # right count of class $y_q$ after the move
                    xlx_R = xlx_t[s_nid] - _segment_cumsum(
                        _xlogx(c_R + ws) - _xlogx(c_R), seg_start, s_nid
                    )
                    # proxy $-(W_L H_L + W_R H_R) \ln 2$
                    score = xlx_L - _xlogx(W_L) + xlx_R - _xlogx(np.maximum(W_R, 0.0))
                else:
                    S_L = _segment_cumsum(ws * y_act[O], seg_start, s_nid)
                    S_R = S_t[s_nid] - S_L
                    # proxy $S_L^2/W_L + S_R^2/W_R$
                    score = S_L**2 / W_L + S_R**2 / W_R
            score = np.where(valid, score, -np.inf)
            col = np.argmax(score, axis=0)  # (n_a,)
            val = score[col, rows]
            better = np.flatnonzero(val > best_score)
            best_score[better] = val[better]
            best_col[better] = col[better] + j0
            best_pair[better, 0] = sample[col[better], better]
            best_pair[better, 1] = sample[col[better], np.minimum(better + 1, n_a - 1)]

        # Best row of each node segment (the first one among ties).
        seg_best = np.maximum.reduceat(best_score, seg_start)  # (m,)
        hits = np.flatnonzero(best_score == seg_best[s_nid])
        _, first = np.unique(s_nid[hits], return_index=True)
        row = hits[first]  # (m,)
        split_feat = feats[np.arange(m), best_col[row]]
        a = X[best_pair[row, 0], split_feat]
        b = X[best_pair[row, 1], split_feat]
        # $\tau = (a + b) / 2$, or $a$ when rounding lands it on $b$
        tau = a / 2.0 + b / 2.0
        tau = np.where((tau == b) | ~np.isfinite(tau), a, tau)

        # Weighted impurity of the children, $W_L H_L + W_R H_R$, from the proxy.
        if criterion == "gini":
            child = W - seg_best
        elif classify:
            child = -seg_best / np.log(2.0)
        else:
            child = Q_t - seg_best
        tree = tree_of[frontier]
        with np.errstate(invalid="ignore"):
            # $\frac{W_t}{W} \big(H_t - \frac{W_L H_L + W_R H_R}{W_t}\big) \ge$ min_impurity_decrease
            gain = W / W_root[tree] * (H - child / W)
        do = np.isfinite(seg_best) & (gain + EPSILON >= min_impurity_decrease)
        if not do.any():
            break
        q = np.cumsum(do) - 1  # ordinal among split nodes
        n_split = int(do.sum())
        parents = frontier[do]
        children = next_id + np.arange(2 * n_split)
        left[parents], right[parents] = children[0::2], children[1::2]
        feature[parents], threshold[parents] = split_feat[do], tau[do]
        tree_of[children] = np.repeat(tree[do], 2)
        next_id += 2 * n_split

        # Children ids 2q (left) and 2q+1 (right); samples of unsplit nodes leave.
        keep = do[nid]
        go_right = X[idx, split_feat[nid]] > tau[nid]
        new_nid = np.where(keep, 2 * q[nid] + go_right, -1)  # (n_a,)
        # The samples, then each feature's order, split stably into children (node order kept).
        perm = _stable_partition(rows[None, :], keep, new_nid, cnt[do], rows)[0]  # (n_b,)
        if full:
            new_pos = np.empty(n_a, dtype=np.intp)
            new_pos[perm] = np.arange(perm.shape[0])
            order = _stable_partition(order, keep, new_nid, cnt[do], new_pos)
        idx, w, y_act, nid = idx[perm], w[perm], y_act[perm], new_nid[perm]
        frontier = children
        depth += 1

    return _split_per_tree(
        n_trees, next_id, tree_of, depth_of, left, right, feature, threshold, value, impurity,
        n_node, W_node,
    )  # fmt: skip


def _initial_order(X_order: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Active samples sorted by (tree, x_j) for every feature j, (f, n_a), from one global argsort.

    ``X_order`` (n, f) is ``argsort(X, axis=0)``; ``present`` (n_trees, n) marks each tree's
    samples. Filtering the global order by ``present`` keeps it sorted: no sort per tree.
    """
    n_trees, n = present.shape
    f = X_order.shape[1]
    active = np.full((n_trees, n), -1, dtype=np.intp)
    active[present] = np.arange(int(present.sum()))
    A = active[:, X_order].transpose(2, 0, 1).reshape(f, n_trees * n)  # (f, n_trees * n)
    return A[A >= 0].reshape(f, -1)


def _stable_partition(
    order: np.ndarray, row_kept: np.ndarray, new_nid: np.ndarray, parent_cnt: np.ndarray,
    remap: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Split every node's span of every row of ``order`` into its two children, keeping x-order.

    In a parent's span, a left-child entry moves to (left start + left entries before it), a
    right-child entry to (right start + right entries before it): one cumulative sum, no sort.

    Parameters
    ----------
    order : ndarray of shape (f, n_a)
        Active samples sorted by (node, x_j) in row j.
    row_kept : ndarray of shape (n_a,)
        Positions whose node was split (the others leave).
    new_nid : ndarray of shape (n_a,)
        Child id (2q left, 2q+1 right) of each active sample, -1 if it leaves.
    parent_cnt : ndarray of shape (n_split,)
        Samples of each split node.
    remap : ndarray of shape (n_a,)
        New active index of each kept sample.
    """
    O = order[:, row_kept]  # (f, n_b)
    NN = new_nid[O]  # child of each entry
    is_right = NN & 1
    n_b = O.shape[1]
    p_start = np.concatenate([[0], np.cumsum(parent_cnt)[:-1]])
    p_row = np.repeat(np.arange(parent_cnt.shape[0]), parent_cnt)  # (n_b,)
    right_before = np.cumsum(is_right, axis=-1) - is_right  # exclusive, (f, n_b)
    right_before -= right_before[:, p_start][:, p_row]
    pos = np.arange(n_b) - p_start[p_row]  # position within the parent's span
    rank = np.where(is_right == 1, right_before, pos - right_before)
    child_cnt = np.bincount(NN[0], minlength=2 * parent_cnt.shape[0])
    child_start = np.concatenate([[0], np.cumsum(child_cnt)[:-1]])
    new_order = np.empty_like(O)
    np.put_along_axis(new_order, child_start[NN] + rank, remap[O], axis=-1)
    return new_order


def _draw_features(
    ranks: np.ndarray,
    idx: np.ndarray,
    seg_start: np.ndarray,
    max_features: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Features searched at each node, (m, k): all of them, or ``max_features`` drawn at random.

    Like scikit-learn, a feature constant within the node does not count towards
    ``max_features``: constant features are drawn only when too few others are left.
    ``idx`` (n_a,) are the active samples' rows of X, sorted by node; ``seg_start`` (m,).
    """
    m, f = seg_start.shape[0], ranks.shape[1]
    if max_features >= f:
        return np.broadcast_to(np.arange(f), (m, f))
    Rs = ranks[idx]  # (n_a, f)
    constant = np.minimum.reduceat(Rs, seg_start) == np.maximum.reduceat(Rs, seg_start)  # (m, f)
    keys = rng.random((m, f)) + constant  # constant features sort last
    return np.argpartition(keys, max_features - 1, axis=1)[:, :max_features]


def _split_per_tree(n_trees, n_nodes, tree_of, depth_of, *arrays) -> list[TreeArrays]:
    """Cut the shared node table into one ``TreeArrays`` per tree, ids renumbered from 0."""
    tree_of, depth_of = tree_of[:n_nodes], depth_of[:n_nodes]
    left, right, feature, threshold, value, impurity, n_node, W_node = (a[:n_nodes] for a in arrays)
    order = np.argsort(tree_of, kind="stable")  # roots come first within each tree
    local = np.empty(n_nodes, dtype=np.intp)
    counts = np.bincount(tree_of, minlength=n_trees)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    local[order] = np.arange(n_nodes) - np.repeat(starts, counts)
    trees = []
    for t in range(n_trees):
        ids = order[starts[t] : starts[t] + counts[t]]
        lt, rt = left[ids], right[ids]
        trees.append(
            TreeArrays(
                children_left=np.where(lt >= 0, local[np.maximum(lt, 0)], -1),
                children_right=np.where(rt >= 0, local[np.maximum(rt, 0)], -1),
                feature=feature[ids],
                threshold=threshold[ids],
                value=value[ids][:, None, :],
                impurity=impurity[ids],
                n_node_samples=n_node[ids],
                weighted_n_node_samples=W_node[ids],
                max_depth=int(depth_of[ids].max()),
            )
        )
    return trees

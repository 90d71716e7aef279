"""Property tests for the matchers: compound logic agrees with its parts, list is membership."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from saline.errors import SaltInvocationError
from saline.matchers import expand_nodegroup, match

IDS = st.text(alphabet="abcdefgh0123456789.-_", min_size=1, max_size=12)
GRAINS = {"os": "Debian", "roles": ["web", "db"], "num_cpus": 2, "nested": {"a": {"b": "c"}},
          "ipv4": ["127.0.0.1"]}
PILLAR = {"role": "web", "apps": {"nginx": {"port": 80}}}

# Simple (non-compound) terms written in compound syntax, with their stand-alone type and target.
TERMS = [
    ("web*", "glob", "web*"),
    ("db?", "glob", "db?"),
    ("*", "glob", "*"),
    ("a*", "glob", "a*"),
    ("G@os:Debian", "grain", "os:Debian"),
    ("G@os:RedHat", "grain", "os:RedHat"),
    ("G@roles:web", "grain", "roles:web"),
    ("G@nested:a:b:c", "grain", "nested:a:b:c"),
    ("P@os:^deb", "grain_pcre", "os:^deb"),
    ("I@role:web", "pillar", "role:web"),
    ("I@apps:nginx:port:8*", "pillar", "apps:nginx:port:8*"),
    ("J@role:^db", "pillar_pcre", "role:^db"),
    ("E@^[a-d]", "pcre", "^[a-d]"),
    ("E@.*1$", "pcre", ".*1$"),
    ("L@web1,db1,a", "list", "web1,db1,a"),
    ("S@127.0.0.0/8", "ipcidr", "127.0.0.0/8"),
]
TERM = st.sampled_from(TERMS)
ID_CHOICES = st.one_of(IDS, st.sampled_from(["web1", "db1", "a", "web", "dbx", "b1"]))


def single(term, minion_id):
    _, tgt_type, tgt = term
    return match(tgt, tgt_type, minion_id, GRAINS, PILLAR)


def compound(expr, minion_id, nodegroups=None):
    return match(expr, "compound", minion_id, GRAINS, PILLAR, nodegroups=nodegroups)


@given(TERM, TERM, ID_CHOICES)
def test_and_is_conjunction(a, b, minion_id):
    assert compound(f"{a[0]} and {b[0]}", minion_id) == (single(a, minion_id) and single(b, minion_id))


@given(TERM, TERM, ID_CHOICES)
def test_or_is_disjunction(a, b, minion_id):
    assert compound(f"{a[0]} or {b[0]}", minion_id) == (single(a, minion_id) or single(b, minion_id))


@given(TERM, ID_CHOICES)
def test_not_and_double_not(x, minion_id):
    assert compound(f"not {x[0]}", minion_id) == (not single(x, minion_id))
    assert compound(f"not not {x[0]}", minion_id) == single(x, minion_id)
    assert compound(f"( {x[0]} )", minion_id) == single(x, minion_id)


@given(TERM, TERM, ID_CHOICES)
def test_implicit_and_before_not(a, b, minion_id):
    assert compound(f"{a[0]} not {b[0]}", minion_id) == compound(f"{a[0]} and not {b[0]}", minion_id)


@given(TERM, TERM, TERM, ID_CHOICES)
def test_precedence_not_and_or(a, b, c, minion_id):
    va, vb, vc = (single(t, minion_id) for t in (a, b, c))
    assert compound(f"{a[0]} or {b[0]} and {c[0]}", minion_id) == (va or (vb and vc))
    assert compound(f"{a[0]} and {b[0]} or {c[0]}", minion_id) == ((va and vb) or vc)
    assert compound(f"not {a[0]} or {b[0]}", minion_id) == ((not va) or vb)
    assert compound(f"( {a[0]} or {b[0]} ) and {c[0]}", minion_id) == ((va or vb) and vc)


# Random expression trees: rendered with explicit parentheses they must evaluate like Python.
def trees():
    leaf = TERM.map(lambda t: ("term", t))
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.tuples(st.just("not"), children),
            st.tuples(st.sampled_from(["and", "or"]), children, children),
        ),
        max_leaves=8,
    )


def render(tree):
    if tree[0] == "term":
        return tree[1][0]
    if tree[0] == "not":
        return f"not ( {render(tree[1])} )"
    return f"( {render(tree[1])} ) {tree[0]} ( {render(tree[2])} )"


def value(tree, minion_id):
    if tree[0] == "term":
        return single(tree[1], minion_id)
    if tree[0] == "not":
        return not value(tree[1], minion_id)
    left, right = value(tree[1], minion_id), value(tree[2], minion_id)
    return (left and right) if tree[0] == "and" else (left or right)


@settings(max_examples=150)
@given(trees(), ID_CHOICES)
def test_parenthesised_trees_evaluate_like_python(tree, minion_id):
    assert compound(render(tree), minion_id) == value(tree, minion_id)


@given(trees(), ID_CHOICES)
def test_nodegroup_is_one_operand(tree, minion_id):
    groups = {"g": render(tree)}
    expected = value(tree, minion_id)
    assert compound("N@g", minion_id, groups) == expected
    assert compound("not N@g", minion_id, groups) == (not expected)
    assert match("g", "nodegroup", minion_id, GRAINS, PILLAR, nodegroups=groups) == expected


@given(ID_CHOICES, st.lists(IDS, max_size=6))
def test_list_matcher_is_membership(minion_id, ids):
    assert match(ids, "list", minion_id, {}, {}) == (minion_id in ids)
    if ids:
        assert match(",".join(ids), "list", minion_id, {}, {}) == (minion_id in ids)
        assert compound("L@" + ",".join(ids), minion_id) == (minion_id in ids)


@given(ID_CHOICES, st.lists(IDS, min_size=1, max_size=6))
def test_plain_id_nodegroup_is_a_list(minion_id, ids):
    groups = {"ids": ids}
    assert expand_nodegroup("ids", groups)[0].startswith(("L@", "E@"))
    if not any(ch in i for i in ids for ch in "([{\\?}])"):
        assert match("ids", "nodegroup", minion_id, {}, {}, nodegroups=groups) == (minion_id in ids)


@given(ID_CHOICES, st.text(alphabet="abcdefgh*?.0123456789", min_size=1, max_size=8))
def test_glob_is_fnmatchcase(minion_id, pattern):
    assert match(pattern, "glob", minion_id, {}, {}) == fnmatch.fnmatchcase(minion_id, pattern)
    assert match(pattern, "compound", minion_id, {}, {}) == fnmatch.fnmatchcase(minion_id, pattern)


KEYS = st.text(alphabet="abcdefghij_", min_size=1, max_size=8)
VALUES = st.one_of(st.text(alphabet="abcXYZ0123456789-._ ", min_size=1, max_size=10), st.integers(),
                   st.booleans())


@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), st.data())
def test_grain_matches_its_own_value(grains, data):
    key = data.draw(st.sampled_from(sorted(grains)))
    text = str(grains[key])
    assert match(f"{key}:{text}", "grain", "m", grains, {})
    assert match(f"{key}:{text.swapcase()}", "grain", "m", grains, {})  # case-insensitive
    assert match(f"{key}:{text}", "pillar_exact", "m", {}, grains)
    assert match(f"{key}:*", "grain", "m", grains, {})
    assert not match(f"{key}x_missing:*", "grain", "m", grains, {})


@given(st.dictionaries(KEYS, st.lists(VALUES, min_size=1, max_size=4), min_size=1, max_size=4), st.data())
def test_list_grains_match_any_member(grains, data):
    key = data.draw(st.sampled_from(sorted(grains)))
    member = data.draw(st.sampled_from(grains[key]))
    assert match(f"{key}:{member}", "grain", "m", grains, {})


@given(st.text(alphabet="abcdefgh *()@:LGN", max_size=30), ID_CHOICES)
def test_compound_never_crashes(expr, minion_id):
    """Any input either evaluates to a bool or raises SaltInvocationError, nothing else."""
    try:
        result = compound(expr, minion_id, {"g": "web*"})
    except SaltInvocationError:
        return
    assert isinstance(result, bool)


@pytest.mark.parametrize("tgt_type", ["glob", "pcre", "grain", "pillar", "ipcidr", "compound", "nodegroup"])
def test_non_string_targets_are_rejected(tgt_type):
    with pytest.raises(SaltInvocationError):
        match(42, tgt_type, "web1", GRAINS, PILLAR, nodegroups={})


def test_unknown_target_type():
    with pytest.raises(SaltInvocationError, match="Unknown target type 'bogus'"):
        match("x", "bogus", "web1", {}, {})

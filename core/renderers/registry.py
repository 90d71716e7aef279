"""The table of Salt's Jinja filters (added on top of Jinja's builtin ones, overriding min/max)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FILTERS: dict[str, Callable[..., Any]] | None = None


def filters() -> dict[str, Callable[..., Any]]:
    global _FILTERS
    if _FILTERS is None:
        _FILTERS = _build()
    return _FILTERS


def _build() -> dict[str, Callable[..., Any]]:
    from saline.renderers import filters_data as d
    from saline.renderers import filters_net as n
    from saline.renderers import filters_text as t
    from saline.renderers import serialize as s

    return {
        # serialisation
        "yaml": s.dump_yaml,
        "json": s.dump_json,
        "tojson": s.tojson,
        "python": s.python_repr,
        "load_yaml": s.load_yaml,
        "load_json": s.load_json,
        "load_text": s.load_text,
        "_load_yaml_block": s.load_yaml_block,
        "_load_json_block": s.load_json_block,
        "yaml_encode": s.yaml_encode,
        "yaml_dquote": s.yaml_dquote,
        "yaml_squote": s.yaml_squote,
        "dict_to_sls_yaml_params": s.dict_to_sls_yaml_params,
        # lists and dicts
        "unique": d.unique,
        "union": d.union,
        "intersect": d.intersect,
        "difference": d.difference,
        "symmetric_difference": d.symmetric_difference,
        "flatten": d.flatten,
        "avg": d.avg,
        "min": d.lst_min,
        "max": d.lst_max,
        "exactly_one_true": d.exactly_one_true,
        "exactly_n_true": d.exactly_n_true,
        "traverse": d.traverse,
        "sequence": d.sequence,
        "is_list": d.is_list,
        "is_iter": d.is_iter,
        "compare_lists": d.compare_lists,
        "compare_dicts": d.compare_dicts,
        "method_call": d.method_call,
        "skip": d.skip,
        "check_whitelist_blacklist": d.check_whitelist_blacklist,
        "sorted_ignorecase": d.sorted_ignorecase,
        "substring_in_list": d.substring_in_list,
        "to_entries": d.to_entries,
        "from_entries": d.from_entries,
        "set_dict_key_value": d.set_dict_key_value,
        "append_dict_key_value": d.append_dict_key_value,
        "extend_dict_key_value": d.extend_dict_key_value,
        "update_dict_key_value": d.update_dict_key_value,
        # strings, numbers, hashes
        "regex_search": t.regex_search,
        "regex_match": t.regex_match,
        "regex_replace": t.regex_replace,
        "regex_escape": t.regex_escape,
        "quote": t.quote,
        "contains_whitespace": t.contains_whitespace,
        "is_hex": t.is_hex,
        "to_bytes": t.to_bytes,
        "to_snake_case": t.to_snake_case,
        "to_camelcase": t.to_camelcase,
        "to_bool": t.to_bool,
        "to_num": t.to_num,
        "str_to_num": t.to_num,
        "human_to_bytes": t.human_to_bytes,
        "md5": t.md5,
        "sha1": t.sha1,
        "sha256": t.sha256,
        "sha512": t.sha512,
        "hmac": t.hmac_check,
        "hmac_compute": t.hmac_compute,
        "base64_encode": t.base64_encode,
        "base64_decode": t.base64_decode,
        "random_hash": t.random_hash,
        "rand_str": t.random_hash,
        "random_sample": t.random_sample,
        "random_shuffle": t.random_shuffle,
        "uuid": t.uuid_filter,
        "strftime": t.strftime,
        "date_format": t.strftime,
        # local system
        "path_join": t.path_join,
        "list_files": t.list_files,
        "file_hashsum": t.file_hashsum,
        "is_text_file": t.is_text_file,
        "is_bin_file": t.is_bin_file,
        "is_empty": t.is_empty_file,
        "which": t.which,
        "get_uid": t.get_uid,
        # network
        "is_ip": n.is_ip,
        "is_ipv4": n.is_ipv4,
        "is_ipv6": n.is_ipv6,
        "ipaddr": n.ipaddr,
        "ipv4": n.ipv4,
        "ipv6": n.ipv6,
        "ip_host": n.ip_host,
        "ipwrap": n.ipwrap,
        "network_hosts": n.network_hosts,
        "network_size": n.network_size,
        "filter_by_networks": n.filter_by_networks,
        "gen_mac": n.gen_mac,
        "mac_str_to_bytes": n.mac_str_to_bytes,
        "dns_check": n.dns_check,
    }

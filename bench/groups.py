"""The report's groups (name -> {system: entry}) split by what their entries measure."""


def split_by_workload(groups, prefix):
    """(the groups whose workload starts with ``prefix``, the other groups), in order"""
    def matches(entries):
        return next(iter(entries.values()))["workload"].startswith(prefix)
    return ({name: entries for name, entries in groups.items() if matches(entries)},
            {name: entries for name, entries in groups.items() if not matches(entries)})

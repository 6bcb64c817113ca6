package dev.dualtrack.scanner;

import java.util.ArrayList;
import java.util.Collection;

/**
 * The findings of one file, bounded (G6): past {@code max}, a finding is kept only when no finding of its rule is
 * there yet. Policy judges rules, not findings (a warn, a waiver), so a flood of one let-through rule must never
 * push a finding of another rule out: a file with a hundred unknown imports and then {@code os.system} still
 * reports {@code hf.pickle.dangerous-import}. The list holds at most {@code max} plus one finding per rule id.
 */
final class FindingList extends ArrayList<Finding> {
    private final int max;

    FindingList(int max) {
        this.max = max;
    }

    @Override
    public boolean add(Finding f) {
        if (size() < max || stream().noneMatch(g -> g.rule().equals(f.rule()))) {
            return super.add(f);
        }
        return false;
    }

    @Override
    public boolean addAll(Collection<? extends Finding> c) {
        boolean changed = false;
        for (Finding f : c) {
            changed |= add(f);
        }
        return changed;
    }
}

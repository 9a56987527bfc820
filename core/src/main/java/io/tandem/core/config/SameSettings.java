package io.tandem.core.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;

/**
 * Whether two config values say the same thing wherever they are written: records compared component by
 * component, lists in order, maps by key, and every {@link SourcePos} taken as equal, so that a reload sees a VRRP
 * instance or a setting moved to other lines of the file as unchanged.
 */
public final class SameSettings {
    private SameSettings() {
    }

    /** True when {@code a} and {@code b} are equal but for the positions they were read from. */
    public static boolean of(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof SourcePos && b instanceof SourcePos) {
            return true;
        }
        if (a instanceof Record && a.getClass() == b.getClass()) {
            for (RecordComponent component : a.getClass().getRecordComponents()) {
                if (!of(read(component, a), read(component, b))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> left && b instanceof List<?> right) {
            if (left.size() != right.size()) {
                return false;
            }
            for (int i = 0; i < left.size(); i++) {
                if (!of(left.get(i), right.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> left && b instanceof Map<?, ?> right) {
            if (!left.keySet().equals(right.keySet())) {
                return false;
            }
            return left.keySet().stream().allMatch(key -> of(left.get(key), right.get(key)));
        }
        return a.equals(b);
    }

    private static Object read(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            // Config records are public with plain accessors: only a bug gets here.
            throw new IllegalStateException("cannot read " + component + " of " + record.getClass(), e);
        }
    }
}

package io.tandem.l7.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.CharsetUtil;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The header fields of one message as the decoders read them: names and values side by side in one array, in
 * order, found by a linear scan. A message has a dozen fields, so a scan costs less than hashing, and the whole
 * section is one object and one array instead of a hash table with an entry per field. Names compare ignoring
 * ASCII case; values are kept as received (Latin-1, so obs-text reaches the encoder unchanged).
 */
public final class FlatHeaders extends HttpHeaders {
    private static final int INITIAL_FIELDS = 8;

    /** name0, value0, name1, value1, ...; only the first {@code 2 * size} slots are used. */
    private String[] fields;
    private int size;

    public FlatHeaders() {
        this(INITIAL_FIELDS);
    }

    /** Room for {@code capacity} fields before the array grows (a decoder knows how many the last head had). */
    FlatHeaders(int capacity) {
        fields = new String[2 * Math.max(1, capacity)];
    }

    /** Appends a field whose name and value the decoder has validated already. */
    void addValidated(String name, String value) {
        if (2 * size == fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        fields[2 * size] = name;
        fields[2 * size + 1] = value;
        size++;
    }

    /**
     * Writes {@code headers} as a header section ({@code name: value CRLF} each, without the closing empty line):
     * flat ones straight from their array, others field by field as Netty's encoders do. Values are written as
     * Latin-1, so obs-text goes out as it came in.
     */
    public static void encode(HttpHeaders headers, ByteBuf buf) {
        if (headers instanceof FlatHeaders flat) {
            for (int i = 0; i < 2 * flat.size; i += 2) {
                writeField(flat.fields[i], flat.fields[i + 1], buf);
            }
            return;
        }
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            writeField(field.getKey(), field.getValue(), buf);
        }
    }

    private static void writeField(CharSequence name, CharSequence value, ByteBuf buf) {
        buf.writeCharSequence(name, CharsetUtil.ISO_8859_1);
        buf.writeShort((':' << 8) | ' ');
        buf.writeCharSequence(value, CharsetUtil.ISO_8859_1);
        buf.writeShort(('\r' << 8) | '\n');
    }

    private int indexOf(String name, int from) {
        for (int i = from; i < 2 * size; i += 2) {
            String field = fields[i];
            if (field == name || field.equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String get(String name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : fields[i + 1];
    }

    @Override
    public Integer getInt(CharSequence name) {
        String value = get(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer value = getInt(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Short getShort(CharSequence name) {
        Integer value = getInt(name);
        return value == null || value != value.shortValue() ? null : value.shortValue();
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short value = getShort(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        String value = get(name);
        Date date = value == null ? null : DateFormatter.parseHttpDate(value);
        return date == null ? null : date.getTime();
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long value = getTimeMillis(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public List<String> getAll(String name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return Collections.emptyList();
        }
        int next = indexOf(name, i + 2);
        if (next < 0) {
            // The usual case (one Connection, Cookie...): an immutable list of one, a third of an ArrayList's bytes.
            return Collections.singletonList(fields[i + 1]);
        }
        List<String> values = new ArrayList<>(2);
        for (; i >= 0; i = indexOf(name, i + 2)) {
            values.add(fields[i + 1]);
        }
        return values;
    }

    /**
     * As Netty's: whether a field {@code name} lists {@code value} among its comma-separated elements; without the
     * list of values Netty's default builds per call (Connection is asked of every message).
     */
    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        String field = name.toString();
        String token = value.toString();
        for (int i = indexOf(field, 0); i >= 0; i = indexOf(field, i + 2)) {
            if (TokenList.anyMatch(fields[i + 1], (list, start, end) -> end - start == token.length()
                    && list.regionMatches(ignoreCase, start, token, 0, token.length()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> entries = new ArrayList<>(size);
        for (int i = 0; i < 2 * size; i += 2) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(fields[i], fields[i + 1]));
        }
        return entries;
    }

    @Override
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Fields<>();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return new Fields<>();
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < 2 * size; i += 2) {
            if (indexOf(fields[i], 0) == i) {
                names.add(fields[i]);
            }
        }
        return names;
    }

    @Override
    public HttpHeaders add(String name, Object value) {
        addValidated(validName(name), validValue(value));
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        for (Object value : values) {
            add(name, value);
        }
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        return add(name.toString(), Integer.toString(value));
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        return add(name.toString(), Short.toString(value));
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        String valid = validValue(value);
        remove(validName(name));
        addValidated(name, valid);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        remove(validName(name));
        return add(name, values);
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        return set(name.toString(), Integer.toString(value));
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        return set(name.toString(), Short.toString(value));
    }

    @Override
    public HttpHeaders remove(String name) {
        int kept = 0;
        for (int i = 0; i < 2 * size; i += 2) {
            String field = fields[i];
            if (field != name && !field.equalsIgnoreCase(name)) {
                fields[kept] = field;
                fields[kept + 1] = fields[i + 1];
                kept += 2;
            }
        }
        java.util.Arrays.fill(fields, kept, 2 * size, null);
        size = kept / 2;
        return this;
    }

    @Override
    public HttpHeaders clear() {
        java.util.Arrays.fill(fields, 0, 2 * size, null);
        size = 0;
        return this;
    }

    @Override
    public HttpHeaders copy() {
        FlatHeaders copy = new FlatHeaders();
        copy.fields = fields.clone();
        copy.size = size;
        return copy;
    }

    /** As Netty's validating headers: a name is a token, so no field can be split or smuggled in by a rule. */
    private static String validName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Http1Syntax.isTokenChar(name.charAt(i))) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        return name;
    }

    /** A value may hold any field character (obs-text included) but no CR, LF or other control but HTAB. */
    private static String validValue(Object value) {
        String text;
        if (value instanceof Date date) {
            text = DateFormatter.format(date);
        } else if (value instanceof Calendar calendar) {
            text = DateFormatter.format(calendar.getTime());
        } else {
            text = value.toString();
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Http1Syntax.isFieldChar(text.charAt(i))) {
                throw new IllegalArgumentException("invalid character in header value: " + text);
            }
        }
        return text;
    }

    /** The fields in order; {@code remove} drops the one last returned, as Netty's header iterators allow. */
    private final class Fields<T extends CharSequence> implements Iterator<Map.Entry<T, T>> {
        private int next;
        private int last = -1;

        @Override
        public boolean hasNext() {
            return next < 2 * size;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<T, T> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            last = next;
            next += 2;
            return new AbstractMap.SimpleImmutableEntry<>((T) fields[last], (T) fields[last + 1]);
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException();
            }
            System.arraycopy(fields, last + 2, fields, last, 2 * size - last - 2);
            size--;
            fields[2 * size] = null;
            fields[2 * size + 1] = null;
            next = last;
            last = -1;
        }
    }
}

package io.tandem.appliance;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * A minimal streaming JSON writer for the stats page and the runtime API: objects, arrays, strings, numbers, booleans
 * and null, commas placed by the writer. The documents are small and flat, so a library would only add weight.
 */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder(4096);
    /** Whether the container being written has a value already (a comma goes before the next one). */
    private boolean[] filled = new boolean[16];
    private int depth;

    /** The whole document for a plain value: maps (in their order), collections, strings, numbers, booleans, null. */
    public static String write(Object value) {
        return new JsonWriter().plain(value).toString();
    }

    public JsonWriter beginObject() {
        return open('{');
    }

    public JsonWriter endObject() {
        return close('}');
    }

    public JsonWriter beginArray() {
        return open('[');
    }

    public JsonWriter endArray() {
        return close(']');
    }

    /** A plain value as {@link #write(Object)} describes; anything else is written as its string form. */
    public JsonWriter plain(Object value) {
        if (value == null) {
            return nullValue();
        } else if (value instanceof String text) {
            return value(text);
        } else if (value instanceof Double number) {
            return value(number.doubleValue());
        } else if (value instanceof Number || value instanceof Boolean) {
            value();
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            beginObject();
            map.forEach((key, item) -> name(String.valueOf(key)).plain(item));
            endObject();
        } else if (value instanceof Collection<?> list) {
            beginArray();
            list.forEach(this::plain);
            endArray();
        } else {
            value(value.toString());
        }
        return this;
    }

    /** The name of the next value in an object. */
    public JsonWriter name(String name) {
        value();
        string(name);
        out.append(':');
        // The value that follows belongs to this name: no comma before it.
        filled[depth] = false;
        return this;
    }

    public JsonWriter value(String text) {
        value();
        if (text == null) {
            out.append("null");
        } else {
            string(text);
        }
        return this;
    }

    public JsonWriter value(long number) {
        value();
        out.append(number);
        return this;
    }

    public JsonWriter value(double number) {
        value();
        out.append(Double.isFinite(number) ? Double.toString(number) : "null");
        return this;
    }

    public JsonWriter value(boolean flag) {
        value();
        out.append(flag);
        return this;
    }

    public JsonWriter nullValue() {
        value();
        out.append("null");
        return this;
    }

    public JsonWriter field(String name, String text) {
        return name(name).value(text);
    }

    public JsonWriter field(String name, long number) {
        return name(name).value(number);
    }

    public JsonWriter field(String name, boolean flag) {
        return name(name).value(flag);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void value() {
        if (filled[depth]) {
            out.append(',');
        }
        filled[depth] = true;
    }

    private JsonWriter open(char bracket) {
        value();
        out.append(bracket);
        depth++;
        if (depth == filled.length) {
            filled = Arrays.copyOf(filled, depth * 2);
        }
        filled[depth] = false;
        return this;
    }

    private JsonWriter close(char bracket) {
        depth--;
        out.append(bracket);
        return this;
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                // '<' escaped too: the text can never close a script element it is embedded in.
                case '<' -> out.append("\\u003c");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

package io.tandem.appliance.stats;

/**
 * A minimal streaming JSON writer for the stats page's data: objects, arrays, strings, numbers, booleans and null,
 * commas placed by the writer. The page's document is small and flat, so a library would only add weight.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder(4096);
    /** Whether the container being written has a value already (a comma goes before the next one). */
    private boolean[] filled = new boolean[16];
    private int depth;

    JsonWriter beginObject() {
        value();
        out.append('{');
        push();
        return this;
    }

    JsonWriter endObject() {
        depth--;
        out.append('}');
        return this;
    }

    JsonWriter beginArray() {
        value();
        out.append('[');
        push();
        return this;
    }

    JsonWriter endArray() {
        depth--;
        out.append(']');
        return this;
    }

    /** The name of the next value in an object. */
    JsonWriter name(String name) {
        value();
        string(name);
        out.append(':');
        // The value that follows belongs to this name: no comma before it.
        filled[depth] = false;
        return this;
    }

    JsonWriter value(String text) {
        value();
        if (text == null) {
            out.append("null");
        } else {
            string(text);
        }
        return this;
    }

    JsonWriter value(long number) {
        value();
        out.append(number);
        return this;
    }

    JsonWriter value(double number) {
        value();
        out.append(Double.isFinite(number) ? Double.toString(number) : "null");
        return this;
    }

    JsonWriter value(boolean flag) {
        value();
        out.append(flag);
        return this;
    }

    JsonWriter nullValue() {
        value();
        out.append("null");
        return this;
    }

    JsonWriter field(String name, String text) {
        return name(name).value(text);
    }

    JsonWriter field(String name, long number) {
        return name(name).value(number);
    }

    JsonWriter field(String name, boolean flag) {
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

    private void push() {
        depth++;
        if (depth == filled.length) {
            filled = java.util.Arrays.copyOf(filled, depth * 2);
        }
        filled[depth] = false;
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

package io.tandem.core.config;

/** Where a value stands in a config file, printed as {@code FILE:LINE:COL} (1-based). */
public record SourcePos(String file, int line, int column) {

    /** A position {@code offset} characters further along the same line, for errors inside a value. */
    public SourcePos plusColumns(int offset) {
        return new SourcePos(file, line, column + offset);
    }

    /** {@code LINE:COL}, for messages that point at another place in the same file. */
    public String lineColumn() {
        return line + ":" + column;
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}

package io.tandem.l7.acl;

import io.tandem.core.config.SourcePos;

/**
 * One word of a rule or ACL line after quote and escape removal, with where each of its characters came from so
 * that an error inside the word points at the right column.
 */
public final class Word {
    private final String text;
    private final SourcePos pos;
    /** Column of each text character relative to the word's start, plus one entry for the end. */
    private final int[] columns;
    private final boolean bare;

    Word(String text, SourcePos pos, int[] columns, boolean bare) {
        this.text = text;
        this.pos = pos;
        this.columns = columns;
        this.bare = bare;
    }

    /** A word taken verbatim from the file at {@code pos}, one column per character. */
    static Word plain(String text, SourcePos pos) {
        int[] columns = new int[text.length() + 1];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = i;
        }
        return new Word(text, pos, columns, true);
    }

    /** The word's text with quotes and escapes removed. */
    public String text() {
        return text;
    }

    /** Where the word starts in the file. */
    public SourcePos pos() {
        return pos;
    }

    /**
     * True when no character was quoted or escaped: only bare words act as keywords ({@code if}, {@code ||},
     * {@code {}), so a quoted {@code "if"} stays a pattern.
     */
    public boolean bare() {
        return bare;
    }

    /** True when this is the bare keyword {@code keyword}. */
    public boolean is(String keyword) {
        return bare && text.equals(keyword);
    }

    /** The file position of character {@code index} of {@link #text()} (the end of the word past its length). */
    public SourcePos at(int index) {
        int last = columns.length - 1;
        int column = index <= last ? columns[Math.max(index, 0)] : columns[last] + (index - last);
        return pos.plusColumns(column);
    }

    @Override
    public String toString() {
        return text;
    }
}

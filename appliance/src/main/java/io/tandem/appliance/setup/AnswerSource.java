package io.tandem.appliance.setup;

/** Where the wizard's answers come from: the operator at a console, or an answers file. */
interface AnswerSource {

    /**
     * The answer to the question {@code key}: {@code prompt} is the question without its default, {@code fallback}
     * the default (null: an answer is needed). Returns null only when the answer failed and the source collects
     * errors instead of asking again (the answers file).
     */
    <T> T ask(String key, String prompt, String fallback, AnswerParser<T> parser) throws SetupCancelled;

    /** The answer to {@code key} when the source has one without asking (an answers file); else null. */
    <T> T given(String key, AnswerParser<T> parser);

    /** An information line between the questions. */
    void show(String line);

    /**
     * Shows a generated secret, the one time it is shown: at once on a console (the operator is about to type it on
     * the second node); with an answers file only once it is written, so a file with errors shows none.
     */
    void showNewSecret(ClusterSecret secret);
}

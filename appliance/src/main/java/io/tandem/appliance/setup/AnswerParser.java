package io.tandem.appliance.setup;

/** Turns the text of one answer into its value, or says in one line why it is not acceptable. */
@FunctionalInterface
interface AnswerParser<T> {
    T parse(String text) throws BadAnswer;
}

package io.tandem.appliance.setup;

/** Answers typed at the console: a bad answer is explained in one line and the same question asked again. */
final class ConsoleAnswers implements AnswerSource {
    static final String INVALID = "Invalid: ";
    private final LineConsole console;

    ConsoleAnswers(LineConsole console) {
        this.console = console;
    }

    @Override
    public <T> T ask(String key, String prompt, String fallback, AnswerParser<T> parser) throws SetupCancelled {
        String shown = prompt + (fallback == null ? "" : " [" + fallback + "]") + ": ";
        while (true) {
            String text = console.readLine(shown).strip();
            if (text.isEmpty() && fallback == null) {
                console.println(INVALID + "an answer is needed here (there is no default)");
                continue;
            }
            try {
                return parser.parse(text.isEmpty() ? fallback : text);
            } catch (BadAnswer bad) {
                console.println(INVALID + bad.getMessage());
            }
        }
    }

    @Override
    public <T> T given(String key, AnswerParser<T> parser) {
        return null;
    }

    @Override
    public void show(String line) {
        console.println(line);
    }

    @Override
    public void showNewSecret(ClusterSecret secret) {
        secret.announcement().forEach(console::println);
    }
}

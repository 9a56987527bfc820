package io.tandem.l7.rules;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.SourcePos;
import io.tandem.l7.acl.Word;
import io.tandem.l7.acl.Words;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tandem.l7.acl.TestRequest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RuleFormatTest {

    private static Word word(String text, List<ConfigError> errors) {
        return Words.split(text, new SourcePos("t.yaml", 4, 20), errors).get(0);
    }

    static String render(String text, io.tandem.l7.acl.RequestFacts request) {
        List<ConfigError> errors = new ArrayList<>();
        Format format = Format.compile(word(text, errors), errors);
        assertEquals(List.of(), errors);
        return format.render(request);
    }

    static List<String> errors(String text) {
        List<ConfigError> errors = new ArrayList<>();
        assertNull(Format.compile(word(text, errors), errors));
        return errors.stream().map(ConfigError::toString).toList();
    }

    @Test
    void literalTextIsKept() {
        assertEquals("https", render("https", get("/")));
    }

    @Test
    void samplesAreSubstitutedAmongLiterals() {
        assertEquals("for=10.0.0.9;proto=http;host=a.example",
                render("for=%[src];proto=http;host=%[hdr(host)]", get("/").withSource("10.0.0.9").withHeader("Host", "a.example")));
    }

    @Test
    void booleanSamplesRenderAsOneOrZero() {
        assertEquals("1", render("%[ssl_fc]", get("/").withTls("x")));
    }

    @Test
    void multiValuedSampleRendersItsLastValue() {
        assertEquals("b", render("%[hdr(x)]", get("/").withHeader("X", "a, b")));
    }

    @Test
    void absentSampleRendersNothing() {
        assertEquals("sni=", render("sni=%[ssl_sni]", get("/")));
    }

    @Test
    void doublePercentIsAPercentSign() {
        assertEquals("100%", render("100%%", get("/")));
    }

    @Test
    void convertersAreReportedAtTheComma() {
        assertEquals(List.of("t.yaml:4:33: converters are not supported"), errors("x-%[hdr(host),lower]"));
    }

    @Test
    void commaInsideFetchArgumentsIsNotAConverter() {
        assertEquals("7", render("%[url_param(id,;)]", get("/p?a=1;id=7")));
    }

    @Test
    void formatErrorsAreLocated() {
        assertEquals(List.of("t.yaml:4:22: missing ']' to close this '%['"), errors("a-%[src"));
        assertEquals(List.of("t.yaml:4:21: only %[fetch] expressions are supported in formats; write %% for a percent sign"),
                errors("a%ci"));
        assertEquals(List.of("t.yaml:4:22: unknown fetch 'srcc'; did you mean 'src'?"), errors("%[srcc]"));
        assertEquals(List.of("t.yaml:4:22: 'path_beg' is an ACL keyword, not a sample fetch; use 'path'"),
                errors("%[path_beg]"));
    }
}

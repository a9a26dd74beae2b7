package io.k8sensus.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalToolTest {

    @Test
    void a_missing_tool_skips_the_test_with_the_reason_except_in_ci_where_it_fails() {
        assertThatCode(() -> ExternalTool.require(true, "x is not installed", "true"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ExternalTool.require(false, "x is not installed: apt-get install x", null))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("apt-get install x");
        assertThatThrownBy(() -> ExternalTool.require(false, "x is not installed: apt-get install x", "false"))
                .isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> ExternalTool.require(false, "x is not installed: apt-get install x", "true"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("apt-get install x")
                .hasMessageContaining("CI must run this check");
    }
}

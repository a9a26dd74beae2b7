package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A member asks its view whether it leads each time, so it never holds a stale answer. */
class ClusterMemberTest {

    @Test
    void a_member_leads_while_its_view_says_so() {
        AtomicBoolean leads = new AtomicBoolean();
        ClusterMember member = new ClusterMember("pod-b", false, leads::get);
        assertThat(member.isLeader()).isFalse();
        leads.set(true);
        assertThat(member.isLeader()).isTrue();
        leads.set(false);
        assertThat(member.isLeader()).isFalse();
        assertThat(member.getId()).isEqualTo("pod-b");
        assertThat(member.isLocal()).isFalse();
        assertThat(member).hasToString("pod-b");
        assertThat(new ClusterMember("pod-a", true, leads::get).isLocal()).isTrue();
    }
}

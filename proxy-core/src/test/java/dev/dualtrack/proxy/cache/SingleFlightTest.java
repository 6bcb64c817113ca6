package dev.dualtrack.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SingleFlightTest {
    @Test
    void firstJoinerLeadsAndFollowersSeeItsResult() {
        SingleFlight<String> flights = new SingleFlight<>();
        SingleFlight.Flight<String> lead = flights.join("k");
        SingleFlight.Flight<String> follow = flights.join("k");
        assertThat(lead.leader()).isTrue();
        assertThat(follow.leader()).isFalse();
        assertThat(flights.size()).isEqualTo(1);
        lead.complete("done");
        assertThat(follow.result()).isCompletedWithValue("done");
        assertThat(flights.size()).isZero();
        assertThat(flights.join("k").leader()).as("a finished flight frees its key").isTrue();
    }

    @Test
    void onlyTheLeaderCompletesAndOnlyOnce() {
        SingleFlight<String> flights = new SingleFlight<>();
        SingleFlight.Flight<String> lead = flights.join("k");
        SingleFlight.Flight<String> follow = flights.join("k");
        assertThatThrownBy(() -> follow.complete("x")).isInstanceOf(IllegalStateException.class);
        lead.complete("a");
        assertThatThrownBy(() -> lead.complete("b")).hasMessageContaining("completed twice");
    }
}

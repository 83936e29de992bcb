//! The two traits every type implements: [`Crdt`] (state merge) and [`DeltaCrdt`]
//! (delta synchronisation, from a peer's state or from a compact summary of it).

/// A state-based CRDT: replicas change independently and [`merge`](Crdt::merge) joins them.
///
/// Every implementation satisfies, for any reachable states `a`, `b`, `c`:
/// - commutativity: `a ⊔ b == b ⊔ a`
/// - associativity: `a ⊔ (b ⊔ c) == (a ⊔ b) ⊔ c`
/// - idempotence: `a ⊔ a == a`
///
/// "Equal" here means equal in value *and* in replicated state (`PartialEq`), with one
/// exception documented per type: the local actor id of a replica is not replicated state.
/// These laws are property tests in `crdt/tests/`.
pub trait Crdt {
    /// Merges another replica's state into this one (the least upper bound of both).
    fn merge(&mut self, other: &Self);
}

/// A CRDT that can synchronise by exchanging deltas instead of whole states.
///
/// Two ways to make a delta:
/// - [`delta`](DeltaCrdt::delta) from the peer's whole state (the seed's API), and
/// - [`delta_since`](DeltaCrdt::delta_since) from a [`Summary`](DeltaCrdt::Summary) that
///   the peer sent: a version vector or dot set, small and independent of the data's size.
///   A sync protocol exchanges summaries, then deltas, and never ships a whole state.
///
/// For every type: `b.apply_delta(&a.delta(&b))` leaves `b` equal to `b.merge(&a)`, and so
/// does `b.apply_delta(&a.delta_since(&b.summary()))`. A delta may be applied late, twice,
/// out of order, or to another replica than the one whose summary produced it: that is
/// always safe (at worst it carries less than that replica needs).
pub trait DeltaCrdt: Crdt {
    /// What a delta carries.
    type Delta;
    /// A compact description of what a replica has seen.
    type Summary;

    /// The changes in `self` that `other` lacks.
    fn delta(&self, other: &Self) -> Self::Delta {
        self.delta_since(&other.summary())
    }

    /// Applies a delta made by another replica.
    fn apply_delta(&mut self, delta: &Self::Delta);

    /// A summary of what this replica has seen, to send to a peer.
    fn summary(&self) -> Self::Summary;

    /// The changes in `self` that a replica with the given summary lacks.
    fn delta_since(&self, summary: &Self::Summary) -> Self::Delta;
}

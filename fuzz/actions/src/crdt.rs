//! The CRDTs: postcard decoding of every state, delta and summary ([`crdt_decode`]) and
//! convergence of replicas under random operations and syncs ([`crdt_convergence`]).

use std::fmt::Debug;

use crdt_kit::prelude::*;
use crdt_kit::{
    DotSet, Error, HybridTimestamp, LWWEntry, LWWStamp, PNCounterSummary, VersionVector,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Input;

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    match postcard::to_allocvec(v) {
        Ok(b) => b,
        Err(e) => panic!("encoding a decoded value failed: {e}"),
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

/// A decoded value round-trips: decoding its encoding gives an equal value, and from
/// then on the encoding is stable. (One normalisation is allowed: a sequence state decoded
/// from ops in an order an honest encoder never writes re-encodes them in integration
/// order, `regressions/crdt_decode/rga_state_reencodes_differently`.)
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T) {
    let bytes = encode(v);
    let back: T = match postcard::from_bytes(&bytes) {
        Ok(b) => b,
        Err(e) => panic!("re-encoded {v:?} does not decode: {e}"),
    };
    assert_eq!(&back, v, "round trip");
    let again = encode(&back);
    if again != bytes {
        let third: T = match postcard::from_bytes(&again) {
            Ok(b) => b,
            Err(e) => panic!("the second encoding of {v:?} does not decode: {e}"),
        };
        assert_eq!(&third, v, "round trip");
        assert_eq!(encode(&third), again, "encoding does not settle");
    }
}

/// A state type under fuzzing: a peer with some history to merge with, and its checks.
trait State: DeltaCrdt + Clone + PartialEq + Debug + Serialize + DeserializeOwned {
    fn peer() -> Self;
    fn check(&self) -> Result<(), Error>;
}

macro_rules! set_state {
    ($ty:ty, $remove:expr) => {
        impl State for $ty {
            fn peer() -> Self {
                let mut a = <$ty>::new("peer");
                for v in [1u8, 2, 3] {
                    a.insert(v);
                }
                let mut b = a.fork("other");
                b.insert(7);
                let remove: fn(&mut $ty) = $remove;
                remove(&mut a);
                a.merge(&b);
                a
            }
            fn check(&self) -> Result<(), Error> {
                self.check_invariants()
            }
        }
    };
}

set_state!(GSet<u8>, |_| {});
set_state!(TwoPSet<u8>, |s| {
    s.remove(&2);
});
set_state!(ORSet<u8>, |s| {
    s.remove(&2);
});

impl State for GCounter {
    fn peer() -> Self {
        let mut a = GCounter::new("peer");
        a.increment_by(5);
        let mut b = a.fork("other");
        b.increment();
        a.merge(&b);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

impl State for PNCounter {
    fn peer() -> Self {
        let mut a = PNCounter::new("peer");
        a.increment_by(5);
        a.decrement_by(2);
        let mut b = a.fork("other");
        b.decrement();
        a.merge(&b);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

impl State for LWWRegister<u8> {
    fn peer() -> Self {
        let mut a = LWWRegister::with_timestamp("peer", 1u8, 10);
        a.set_with_timestamp(2, 20);
        a
    }
    fn check(&self) -> Result<(), Error> {
        Ok(())
    }
}

impl State for MVRegister<u8> {
    fn peer() -> Self {
        let mut a = MVRegister::new("peer");
        a.set(1);
        let mut b = a.fork("other");
        b.set(2);
        a.set(3);
        a.merge(&b);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

impl State for Rga<u8> {
    fn peer() -> Self {
        let mut a = Rga::new("peer");
        let _ = a.insert_all(0, vec![1, 2, 3, 4]);
        let mut b = a.fork("other");
        let _ = b.insert_at(2, 9);
        let _ = a.remove(1);
        a.merge(&b);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

impl State for TextCrdt {
    fn peer() -> Self {
        let mut a = TextCrdt::new("peer");
        let _ = a.insert_str(0, "héllo");
        let mut b = a.fork("other");
        let _ = b.insert_str(5, " wörld");
        let _ = a.remove(0);
        a.merge(&b);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

impl State for DotSet {
    fn peer() -> Self {
        let mut a = DotSet::new();
        a.insert_range("peer", 1..=4);
        a.insert_range("other", 2..=3);
        a
    }
    fn check(&self) -> Result<(), Error> {
        self.check_invariants()
    }
}

/// Decodes `bytes` as a state: what decodes passes its invariants and round-trips, and can
/// be merged and synced with a peer in both directions without panicking. (A well-formed
/// forgery, e.g. one dot claimed for two elements, cannot be told from honest history, so
/// the invariants of a merge with it are checked but may fail; it must never panic.)
fn state<S: State>(bytes: &[u8])
where
    S::Delta: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let Some(got) = decode::<S>(bytes) else {
        return;
    };
    if let Err(e) = got.check() {
        panic!("decoded state breaks its invariants: {e}: {got:?}");
    }
    round_trip(&got);
    let peer = S::peer();
    let mut both = got.clone();
    both.merge(&peer);
    let _ = both.check();
    let mut synced = peer.clone();
    let d = got.delta_since(&peer.summary());
    round_trip(&d);
    synced.apply_delta(&d);
    let _ = synced.check();
    let mut back = got.clone();
    back.apply_delta(&synced.delta(&got));
    let _ = back.check();
}

/// Decodes `bytes` as a delta of `S`: what decodes round-trips and applies to a peer (and
/// to a fresh replica) without panicking.
fn delta<S: State>(bytes: &[u8])
where
    S::Delta: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let Some(d) = decode::<S::Delta>(bytes) else {
        return;
    };
    round_trip(&d);
    let mut p = S::peer();
    p.apply_delta(&d);
    let _ = p.check();
    p.apply_delta(&d);
    let _ = p.delta(&S::peer());
}

/// A summary or plain value type: what decodes round-trips.
fn value<T: Serialize + DeserializeOwned + PartialEq + Debug>(bytes: &[u8]) {
    if let Some(v) = decode::<T>(bytes) {
        round_trip(&v);
    }
}

/// The serde (postcard) decoding of every CRDT state, delta and summary; the first byte
/// picks the type, the rest is the encoding.
pub fn crdt_decode(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 24 {
        0 => state::<GCounter>(bytes),
        1 => delta::<GCounter>(bytes),
        2 => state::<PNCounter>(bytes),
        3 => delta::<PNCounter>(bytes),
        4 => value::<PNCounterSummary>(bytes),
        5 => state::<LWWRegister<u8>>(bytes),
        6 => delta::<LWWRegister<u8>>(bytes),
        7 => value::<LWWStamp>(bytes),
        8 => state::<MVRegister<u8>>(bytes),
        9 => delta::<MVRegister<u8>>(bytes),
        10 => state::<GSet<u8>>(bytes),
        11 => delta::<GSet<u8>>(bytes),
        12 => state::<TwoPSet<u8>>(bytes),
        13 => delta::<TwoPSet<u8>>(bytes),
        14 => state::<ORSet<u8>>(bytes),
        15 => delta::<ORSet<u8>>(bytes),
        16 => state::<Rga<u8>>(bytes),
        17 => delta::<Rga<u8>>(bytes),
        18 => state::<TextCrdt>(bytes),
        19 => delta::<TextCrdt>(bytes),
        20 => state::<DotSet>(bytes),
        21 => value::<VersionVector>(bytes),
        22 => value::<HybridTimestamp>(bytes),
        _ => value::<LWWEntry<u8>>(bytes),
    }
}

/// Valid encodings of every type of [`crdt_decode`], each prefixed with its selector byte
/// (seed corpus).
pub fn decode_seeds() -> Vec<Vec<u8>> {
    fn with<T: Serialize>(which: u8, v: &T) -> Vec<u8> {
        let mut out = vec![which];
        out.extend_from_slice(&encode(v));
        out
    }
    fn pair<S: State>(which: u8) -> [Vec<u8>; 2]
    where
        S::Delta: Serialize,
    {
        // The peer's state, and the (empty) delta for its own summary.
        let p = S::peer();
        [
            with(which, &p),
            with(which + 1, &p.delta_since(&p.summary())),
        ]
    }
    let mut out = Vec::new();
    out.extend(pair::<GCounter>(0));
    out.extend(pair::<PNCounter>(2));
    out.push(with(4, &PNCounter::peer().summary()));
    out.extend(pair::<LWWRegister<u8>>(5));
    out.push(with(7, LWWRegister::<u8>::peer().stamp()));
    out.extend(pair::<MVRegister<u8>>(8));
    out.extend(pair::<GSet<u8>>(10));
    out.extend(pair::<TwoPSet<u8>>(12));
    out.extend(pair::<ORSet<u8>>(14));
    out.extend(pair::<Rga<u8>>(16));
    out.extend(pair::<TextCrdt>(18));
    out.push(with(20, &DotSet::peer()));
    out.push(with(21, &GCounter::peer().summary()));
    out.push(with(
        22,
        &HybridTimestamp::new(1_700_000_000_000, 3, "node"),
    ));
    // Full deltas: from the peer to a fresh replica.
    out.push(with(1, &GCounter::peer().delta(&GCounter::new("x"))));
    out.push(with(3, &PNCounter::peer().delta(&PNCounter::new("x"))));
    out.push(with(
        9,
        &MVRegister::<u8>::peer().delta(&MVRegister::new("x")),
    ));
    out.push(with(11, &GSet::<u8>::peer().delta(&GSet::new("x"))));
    out.push(with(13, &TwoPSet::<u8>::peer().delta(&TwoPSet::new("x"))));
    out.push(with(15, &ORSet::<u8>::peer().delta(&ORSet::new("x"))));
    out.push(with(17, &Rga::<u8>::peer().delta(&Rga::new("x"))));
    out.push(with(19, &TextCrdt::peer().delta(&TextCrdt::new("x"))));
    out
}

/// Replicas of every CRDT type, kept side by side: one step changes, merges or syncs them.
#[derive(Clone, Debug)]
struct Replica {
    g: GCounter,
    pn: PNCounter,
    lww: LWWRegister<u8>,
    mv: MVRegister<u8>,
    gset: GSet<u8>,
    two: TwoPSet<u8>,
    or: ORSet<u8>,
    rga: Rga<u8>,
    text: TextCrdt,
}

impl Replica {
    fn new(actor: &str) -> Self {
        Replica {
            g: GCounter::new(actor),
            pn: PNCounter::new(actor),
            lww: LWWRegister::with_timestamp(actor, 0, 0),
            mv: MVRegister::new(actor),
            gset: GSet::new(actor),
            two: TwoPSet::new(actor),
            or: ORSet::new(actor),
            rga: Rga::new(actor),
            text: TextCrdt::new(actor),
        }
    }

    fn op(&mut self, input: &mut Input<'_>) {
        let v = input.u8() % 8;
        match input.u8() % 12 {
            0 => self.g.increment_by(u64::from(v)),
            1 => self.pn.increment_by(u64::from(v)),
            2 => self.pn.decrement_by(u64::from(v)),
            3 => {
                self.lww.set_with_timestamp(v, u64::from(input.u8()));
            }
            4 => self.mv.set(v),
            5 => {
                self.gset.insert(v);
            }
            6 => {
                if input.u8() & 1 == 0 {
                    self.two.insert(v);
                } else {
                    self.two.remove(&v);
                }
            }
            7 => {
                if input.u8() & 1 == 0 {
                    self.or.insert(v);
                } else {
                    self.or.remove(&v);
                }
            }
            8 => {
                let at = input.below(self.rga.len() + 1);
                let _ = self.rga.insert_at(at, v);
            }
            9 => {
                if !self.rga.is_empty() {
                    let at = input.below(self.rga.len());
                    let _ = self.rga.remove(at);
                }
            }
            10 => {
                let at = input.below(self.text.len() + 1);
                let s = ["a", "ü", "日本", "\u{1F600}", "xyz"][usize::from(v) % 5];
                let _ = self.text.insert_str(at, s);
            }
            _ => {
                let len = self.text.len();
                if len > 0 {
                    let at = input.below(len);
                    let n = 1 + input.below(3);
                    let _ = self.text.remove_range(at, n.min(len - at));
                }
            }
        }
    }

    fn merge(&mut self, o: &Replica) {
        self.g.merge(&o.g);
        self.pn.merge(&o.pn);
        self.lww.merge(&o.lww);
        self.mv.merge(&o.mv);
        self.gset.merge(&o.gset);
        self.two.merge(&o.two);
        self.or.merge(&o.or);
        self.rga.merge(&o.rga);
        self.text.merge(&o.text);
    }

    /// Syncs by deltas from `o` made for this replica's summary, through their wire
    /// encoding (so every delta also round-trips).
    fn sync_from(&mut self, o: &Replica) {
        fn via<S: DeltaCrdt>(to: &mut S, from: &S)
        where
            S::Delta: Serialize + DeserializeOwned,
        {
            let d = from.delta_since(&to.summary());
            let Some(back) = decode::<S::Delta>(&encode(&d)) else {
                panic!("a delta does not survive its wire encoding");
            };
            to.apply_delta(&back);
        }
        via(&mut self.g, &o.g);
        via(&mut self.pn, &o.pn);
        via(&mut self.lww, &o.lww);
        via(&mut self.mv, &o.mv);
        via(&mut self.gset, &o.gset);
        via(&mut self.two, &o.two);
        via(&mut self.or, &o.or);
        via(&mut self.rga, &o.rga);
        via(&mut self.text, &o.text);
    }

    fn check(&self) {
        let r = [
            self.g.check_invariants(),
            self.pn.check_invariants(),
            self.mv.check_invariants(),
            self.gset.check_invariants(),
            self.two.check_invariants(),
            self.or.check_invariants(),
            self.rga.check_invariants(),
            self.text.check_invariants(),
        ];
        for (i, x) in r.iter().enumerate() {
            if let Err(e) = x {
                panic!("replica type {i} breaks its invariants: {e}");
            }
        }
    }

    /// The replicated state and value of every type (local actor ids excluded).
    fn same(&self, o: &Replica) -> bool {
        self.g == o.g
            && self.pn == o.pn
            && self.lww == o.lww
            && self.mv == o.mv
            && self.gset == o.gset
            && self.two == o.two
            && self.or == o.or
            && self.rga == o.rga
            && self.rga.to_vec() == o.rga.to_vec()
            && self.text == o.text
            && self.text.to_string() == o.text.to_string()
            && self.mv.values() == o.mv.values()
            && self.or.iter().eq(o.or.iter())
    }
}

/// N replicas (2..=5) of every CRDT type; random operations, whole-state merges and delta
/// syncs (through the wire encoding) in a random order, some deliveries repeated. At the
/// end every replica syncs with every other (alternately by delta and by merge): all must
/// be equal, with their invariants intact.
pub fn crdt_convergence(data: &[u8]) {
    const NAMES: [&str; 5] = ["p0", "b1", "x2", "a3", "m4"];
    let mut input = Input::new(data);
    let n = 2 + input.below(4);
    let mut reps: Vec<Replica> = NAMES.iter().take(n).map(|a| Replica::new(a)).collect();
    let mut steps = 0;
    while !input.is_empty() && steps < 400 {
        steps += 1;
        let i = input.below(n);
        let j = input.below(n);
        match input.u8() % 8 {
            0..=4 => reps[i].op(&mut input),
            5 => {
                let o = reps[j].clone();
                reps[i].merge(&o);
            }
            _ => {
                let o = reps[j].clone();
                reps[i].sync_from(&o);
                if input.u8() & 1 == 1 {
                    reps[i].sync_from(&o);
                }
            }
        }
        reps[i].check();
    }
    // Everyone learns everything: a ring of syncs twice around.
    for round in 0..2 {
        for i in 0..n {
            let o = reps[(i + 1) % n].clone();
            if round == 0 {
                reps[i].sync_from(&o);
            } else {
                reps[i].merge(&o);
            }
        }
        for i in (0..n).rev() {
            let o = reps[(i + 1) % n].clone();
            reps[i].sync_from(&o);
        }
    }
    for r in &reps {
        r.check();
        assert!(
            r.same(&reps[0]),
            "replicas diverged:\n{r:?}\nvs\n{:?}",
            reps[0]
        );
    }
}

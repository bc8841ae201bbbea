//! Seals the guest plans for the output of its current call
//! (`aead-key.seal-in-output` in wit/crypto.wit): the guest hands its
//! records over with the plaintext where the ciphertext goes, and says
//! where each record's content and tag lie; the host seals them in place
//! in the output it has just taken from the guest.
//!
//! Why: sealing in the host's copy of the output spares every record two
//! copies across the boundary (the plaintext out to be sealed, the sealed
//! record back in). The host still knows nothing of TLS: it follows the
//! guest's layout and checks only that it adds up. Output whose plan does
//! not add up is never sent, and the connection ends.

use super::aead::{AeadKey, TAG_LEN};

/// The most seals one call may plan: far more than a call's bytes allow in
/// full records, and a bound on what a misbehaving guest can make the host
/// hold.
const MOST_PLANNED: usize = 4096;
/// The longest additional data a record may have (TLS's are 5 or 13 bytes).
const LONGEST_AAD: usize = 64;

/// One record to seal: its key, nonce and additional data, and its layout.
pub(crate) struct PlannedSeal {
    pub(crate) key: AeadKey,
    pub(crate) nonce: [u8; 12],
    pub(crate) aad: Vec<u8>,
    /// The whole record's length in the output.
    pub(crate) record_len: usize,
    /// Where the content to seal starts, from the record's start.
    pub(crate) content_offset: usize,
    /// How long the content is; the tag follows it.
    pub(crate) content_len: usize,
}

impl PlannedSeal {
    /// Where the content ends and the tag ends in the record, when the
    /// layout fits in it.
    fn layout(&self) -> Result<(usize, usize), String> {
        self.content_offset
            .checked_add(self.content_len)
            .and_then(|end| Some((end, end.checked_add(TAG_LEN)?)))
            .filter(|&(_, tag_end)| tag_end <= self.record_len)
            .ok_or_else(|| {
                format!(
                    "a planned record of {} bytes has no room for {} bytes of content at {} and a tag",
                    self.record_len, self.content_len, self.content_offset
                )
            })
    }
}

/// The seals planned during one guest call, in order, and how many of
/// them are done.
#[derive(Default)]
pub(crate) struct SealPlan {
    seals: Vec<PlannedSeal>,
    /// The first `done` seals are applied...
    done: usize,
    /// ...to the first `done_bytes` bytes of the output.
    done_bytes: usize,
}

impl SealPlan {
    /// Adds a seal; a plan past [`MOST_PLANNED`] or additional data past
    /// [`LONGEST_AAD`] traps the guest.
    pub(crate) fn push(&mut self, seal: PlannedSeal) -> wasmtime::Result<()> {
        if self.seals.len() >= MOST_PLANNED {
            wasmtime::bail!("more than {MOST_PLANNED} seals planned in one call");
        }
        if seal.aad.len() > LONGEST_AAD {
            wasmtime::bail!("additional data longer than {LONGEST_AAD} bytes");
        }
        self.seals.push(seal);
        Ok(())
    }

    /// No seal is planned.
    pub(crate) fn is_empty(&self) -> bool {
        self.seals.is_empty()
    }

    /// How many seals are planned.
    pub(crate) fn len(&self) -> usize {
        self.seals.len()
    }

    /// Takes the planned records that start `data` whole, as the output
    /// goes on from `output`, and appends them to `output` sealed: each
    /// record read once, straight from where the guest has it. Returns how
    /// many bytes of `data` it took; the rest is the caller's to append, and
    /// [`Self::apply`] seals what is left once the call is over. Takes
    /// nothing unless `output` is made of the records sealed so far.
    pub(crate) fn seal_onto(&mut self, data: &[u8], output: &mut Vec<u8>) -> Result<usize, String> {
        if output.len() != self.done_bytes {
            return Ok(0);
        }
        let mut taken = 0;
        while let Some(seal) = self.seals.get(self.done) {
            let Some(record) = data[taken..].get(..seal.record_len) else {
                break;
            };
            let (content_end, tag_end) = seal.layout()?;
            output.extend_from_slice(&record[..seal.content_offset]);
            let content = &record[seal.content_offset..content_end];
            seal.key
                .seal_append(&seal.nonce, &seal.aad, content, output)?;
            output.extend_from_slice(&record[tag_end..]);
            taken += seal.record_len;
            self.done += 1;
            self.done_bytes += seal.record_len;
        }
        Ok(taken)
    }

    /// Seals the planned records not sealed yet in `output`, which must be
    /// exactly the planned records, in order. On an error `output` may be
    /// half sealed: it must not be sent.
    pub(crate) fn apply(self, output: &mut [u8]) -> Result<(), String> {
        let planned: Option<usize> = self
            .seals
            .iter()
            .try_fold(0usize, |sum, seal| sum.checked_add(seal.record_len));
        if planned != Some(output.len()) {
            return Err(format!(
                "{} planned records do not make up the {} bytes of output",
                self.seals.len(),
                output.len()
            ));
        }
        let mut rest = &mut output[self.done_bytes..];
        for seal in &self.seals[self.done..] {
            let (record, after) = rest.split_at_mut(seal.record_len);
            rest = after;
            let (content_end, tag_end) = seal.layout()?;
            let (content, tag) = record[seal.content_offset..tag_end]
                .split_at_mut(content_end - seal.content_offset);
            let tag: &mut [u8; TAG_LEN] = tag.try_into().map_err(|_| "tag length".to_string())?;
            seal.key
                .seal_in_place(&seal.nonce, &seal.aad, content, tag)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::test_keys;

    const HEADER: &[u8] = &[23, 3, 3, 0, 0];

    /// The test key of the algorithm named `name`.
    fn key(name: &str) -> AeadKey {
        let (_, key) = test_keys()
            .into_iter()
            .find(|(n, _)| *n == name)
            .expect("a test key");
        key
    }

    /// A record as the guest lays it out: header, `prefix`, the content, a
    /// zeroed tag; and its seal.
    fn planned(key: &AeadKey, n: u8, prefix: &[u8], content: &[u8]) -> (Vec<u8>, PlannedSeal) {
        let record = [HEADER, prefix, content, &[0; TAG_LEN]].concat();
        let seal = PlannedSeal {
            key: key.clone(),
            nonce: [n; 12],
            aad: vec![n; 13],
            record_len: record.len(),
            content_offset: HEADER.len() + prefix.len(),
            content_len: content.len(),
        };
        (record, seal)
    }

    #[test]
    fn planned_records_come_out_as_sealed_ones() {
        for (algorithm, key) in test_keys() {
            let contents: [&[u8]; 3] = [&[1; 16_385], b"x", &[]];
            let mut output = Vec::new();
            let mut expected = Vec::new();
            let mut plan = SealPlan::default();
            for (n, content) in contents.into_iter().enumerate() {
                let n = n as u8;
                let prefix = [n; 8];
                let (record, seal) = planned(&key, n, &prefix, content);
                let sealed = key.seal(&seal.nonce, &seal.aad, content, &[]).unwrap();
                expected.extend_from_slice(&[HEADER, &prefix, &sealed].concat());
                output.extend_from_slice(&record);
                plan.push(seal).unwrap();
            }
            assert_eq!(plan.len(), 3);
            plan.apply(&mut output).expect("the plan fits");
            assert!(output == expected, "{algorithm:?}");
            // And the peer's side opens it.
            let (_, first) = output.split_at_mut(HEADER.len() + 8);
            let opened = key.open_in_place(&[0; 12], &[0; 13], &mut first[..16_385 + TAG_LEN]);
            assert_eq!(opened, Some(16_385));
        }
    }

    #[test]
    fn records_sent_whole_are_sealed_as_they_arrive_and_the_rest_after() {
        for algorithm in ["AES-256-GCM", "ChaCha20-Poly1305"] {
            let key = key(algorithm);
            let mut plan = SealPlan::default();
            let mut unsealed = Vec::new();
            let mut expected = Vec::new();
            for n in 0..4u8 {
                let content = vec![n; 1000 + usize::from(n)];
                let (record, seal) = planned(&key, n, &[n; 8], &content);
                let sealed = key.seal(&seal.nonce, &seal.aad, &content, &[]).unwrap();
                expected.extend_from_slice(&[HEADER, &[n; 8], &sealed].concat());
                unsealed.extend_from_slice(&record);
                plan.push(seal).unwrap();
            }
            let first = plan.seals[0].record_len;
            let second = plan.seals[1].record_len;
            // Sent as: the first record and half the second, the rest.
            let split = first + second / 2;
            let mut output = Vec::new();
            let taken = plan.seal_onto(&unsealed[..split], &mut output).unwrap();
            assert_eq!(taken, first, "the whole first record only");
            output.extend_from_slice(&unsealed[taken..split]);
            assert_eq!(plan.seal_onto(&unsealed[split..], &mut output).unwrap(), 0);
            output.extend_from_slice(&unsealed[split..]);
            plan.apply(&mut output).expect("the plan fits");
            assert!(output == expected, "{algorithm:?}");
        }
    }

    #[test]
    fn a_plan_that_does_not_add_up_is_refused() {
        let key = key("AES-128-GCM");
        let (record, seal) = planned(&key, 1, &[], b"hello");
        let refuse = |output: &mut Vec<u8>, seal: PlannedSeal| {
            let mut plan = SealPlan::default();
            plan.push(seal).unwrap();
            plan.apply(output).unwrap_err()
        };
        let reseal = || PlannedSeal {
            key: key.clone(),
            aad: seal.aad.clone(),
            ..seal
        };
        // Output longer or shorter than the planned records.
        let mut longer = [record.as_slice(), b"more"].concat();
        assert!(refuse(&mut longer, reseal()).contains("do not make up"));
        let mut shorter = record[..record.len() - 1].to_vec();
        assert!(refuse(&mut shorter, reseal()).contains("do not make up"));
        // Content and tag running past the record's end, or overflowing.
        let past = PlannedSeal {
            content_len: 6,
            ..reseal()
        };
        assert!(refuse(&mut record.clone(), past).contains("no room"));
        let overflowing = PlannedSeal {
            content_offset: usize::MAX,
            ..reseal()
        };
        assert!(refuse(&mut record.clone(), overflowing).contains("no room"));
        // Output with no plan at all is not the plan's to seal.
        assert!(
            SealPlan::default()
                .apply(&mut record.clone())
                .unwrap_err()
                .contains("do not make up")
        );
    }

    #[test]
    fn a_plan_is_bounded() {
        let key = key("ChaCha20-Poly1305");
        let mut plan = SealPlan::default();
        for _ in 0..MOST_PLANNED {
            plan.push(planned(&key, 0, &[], b"").1).unwrap();
        }
        assert!(plan.push(planned(&key, 0, &[], b"").1).is_err());
        let mut long_aad = planned(&key, 0, &[], b"").1;
        long_aad.aad = vec![0; LONGEST_AAD + 1];
        assert!(SealPlan::default().push(long_aad).is_err());
    }
}

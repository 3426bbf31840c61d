//! Exports of the catalog into other tools' enforcement formats: `kubeattest export vap`
//! ([`vap`]) turns `fields` checks into ValidatingAdmissionPolicies, so what an audit
//! found is refused at admission next time.

pub mod vap;

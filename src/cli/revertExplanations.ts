/**
 * Every custom error the suite's contracts revert with, in words: what it means and what to do next. The command line
 * prints these before the decoded error; `test/cli/errors.test.ts` walks the ABIs so that no error is left without.
 * @module
 */

/** What each custom error means to the person at the command line, and what to do next. */
export const REVERT_EXPLANATIONS: Readonly<Record<string, string>> = {
  // ConditionMatching
  MatchingCheckIdMismatch:
    "Another check was opened from this account first, so this check id is taken: run the command again.",
  MatchingGrantWithdrawn:
    "The subject revoked or changed the grant this check used after it opened: the check cannot go on; ask the subject for a new grant.",
  MatchingInvalidDuration:
    "The check's duration is out of the allowed range: give --duration between the minimum and maximum shown.",
  MatchingKeyAlreadyRegistered: "This key is already registered for this bank: nothing to do, use it as it is.",
  MatchingMalformedComparisonKey:
    "The bureau's comparison key is malformed: the bureau operator must generate and register a new one.",
  MatchingMalformedKey:
    "The Paillier key is malformed (even, or with leading zero bytes): generate a new one with blindcredit bank keygen.",
  MatchingNoComparisonKey:
    "This bureau has registered no comparison key yet (its service has never run): start it with blindcredit bureau start, or pick another bureau.",
  MatchingNotBank:
    "This account is not an active bank (credit access user): apply with blindcredit member apply <address> --type bank and wait for the vote.",
  MatchingNotBureau:
    "This address is not an active credit bureau: check --bureau (or BLINDCREDIT_BUREAU_ADDRESS) against blindcredit member status.",
  MatchingNotRefusable:
    "This check can no longer be refused in its current state: read it with blindcredit bank decision <checkId>.",
  MatchingNotSubject:
    "This address is not an active credit subject: the applicant must register first (blindcredit subject register).",
  MatchingUnexpectedState:
    "The check is not in the state this step needs (another step came first, or it expired): read it with blindcredit bank decision <checkId>, and resume it with blindcredit bank resume <checkId> if it is still open.",
  MatchingUnknownKey:
    "This key is not registered for this bank: register it first with blindcredit bank register-key --key <file>.",
  MatchingUnknownRefusalReason: "The refusal reason is not one the contract knows: use one of the listed reasons.",
  MatchingUnsupportedKeySize:
    "Only 2048, 3072 and 4096-bit Paillier keys are accepted: generate one with blindcredit bank keygen --bits 3072.",
  MatchingWrongMode: "This step belongs to the other check mode: check the form's mode (decision or paper).",
  MatchingWrongParty:
    "Only the check's own bank or bureau may take this step: sign with the account that opened the check.",
  MatchingZeroHash: "A commitment of zero was given: the message was not published; run the command again.",
  MatchingZeroSchemaHash: "The credit schema's hash is zero: deploy with a real schema file.",

  // OwnershipJudgment
  OwnershipIdentityAlreadyCommitted:
    "This account has already committed to an identity, and a commitment cannot be changed: keep using the salt file you saved.",
  OwnershipNoRecord:
    "This subject has no ownership record yet: the subject must register and commit its identity first (blindcredit subject register).",
  OwnershipNotSubject:
    "This account is not an active credit subject: register it first with blindcredit subject register.",
  OwnershipZeroHash: "An empty (zero) hash was given: commit the hash of a real record.",

  // PermissionSetting and the OpenZeppelin parts it is built from
  AccessControlBadConfirmation:
    "Renouncing a role must be confirmed with the caller's own address: pass your own address.",
  AccessControlUnauthorizedAccount:
    "This account lacks the role the call needs (shown as neededRole): sign with an account that holds it, or ask the consortium to grant it by vote.",
  ECDSAInvalidSignature: "The signature does not recover to any account: sign the consent again.",
  ECDSAInvalidSignatureLength: "The signature has the wrong length: sign the consent again and pass it whole.",
  ECDSAInvalidSignatureS: "The signature is malleable (a high s value): sign the consent again with a standard wallet.",
  InvalidAccountNonce:
    "The subject changed its grants since it signed this consent, which voids it: sign the consent again.",
  InvalidShortString: "A name given to the contract is not a valid short string: use a shorter plain name.",
  StringTooLong: "A name given to the contract is too long: use one of at most 31 bytes.",
  PermissionConsentExpired: "The signed consent's deadline passed before it was submitted: sign it again.",
  PermissionExpiryInPast:
    "The expiry is not in the future: give a later --expires-at or a positive --expires-in (for instance 30d).",
  PermissionGrantExhausted:
    "Every use this grant allowed has been consumed: ask the subject for a new grant (blindcredit bank request-access).",
  PermissionGrantExpired: "This grant has expired: ask the subject for a new one (blindcredit bank request-access).",
  PermissionInvalidPageSize: "The page size is out of range: ask for at most the maximum shown.",
  PermissionInvalidSigner:
    "The consent was not signed by the subject it names: the subject must sign it with its own account.",
  PermissionLevelsNotAllowed:
    "A member of this type may not hold these levels (a bank only ever gets blind-read, a provider write): choose --levels it may hold.",
  PermissionMissingLevel:
    "The grant does not include the level this step needs: ask the subject for a grant with that level.",
  PermissionNoGrant:
    "There is no live grant for this member (never given, or revoked): see blindcredit subject grants, and ask for access again if needed.",
  PermissionNoRequest:
    "This member has no pending request to answer (it was answered, declined or never made): see blindcredit subject requests, or set terms yourself with blindcredit subject grant.",
  PermissionRequestChanged:
    "The requester changed its request after you read it, so nothing was granted: read the new terms with blindcredit subject requests and answer again.",
  PermissionNotSubject:
    "This account is not an active credit subject: register it first with blindcredit subject register.",
  PermissionSubjectNotActive:
    "This subject is not an active credit subject (not registered, or removed): check the address with blindcredit member status.",
  PermissionUnauthorizedConsumer:
    "Only the condition-matching contract may use a grant: open a check with blindcredit bank check instead.",
  PermissionUnknownLevels:
    "No known level was given: choose among read, ownership, write and blind-read (for instance --levels blind-read).",
  PermissionUnknownNode:
    "This address is not an active member of the consortium: it must be admitted by vote first (blindcredit member apply).",

  // NodeClassification
  NodeClassificationAlreadyActive: "This account is already an active member: nothing to do.",
  NodeClassificationConsensusAlreadySet: "The consensus contract is set already and cannot be changed: nothing to do.",
  NodeClassificationConsensusNotSet:
    "The deployment is not wired yet (no consensus contract): finish it with blindcredit deploy.",
  NodeClassificationGenesisLengthMismatch:
    "The genesis members and their types differ in number: give one type per member in the deployment settings.",
  NodeClassificationNotActive: "This account is not an active member: check it with blindcredit member status.",
  NodeClassificationOnlyConsensus:
    "Only the consensus contract may change membership: propose it with blindcredit voter propose and vote.",
  NodeClassificationOnlyDeployer: "Only the deployer may take this step: sign with the deployer's account.",
  NodeClassificationRemovedNode:
    "This account was removed from the consortium by vote and cannot register again: use another account.",
  NodeClassificationTypeConflict:
    "This account is already a member of another type: use a separate account for each role.",
  NodeClassificationUnauthorizedRequester:
    "Only the newcomer itself or a voter may ask to admit an account: sign with the newcomer's account (blindcredit member apply).",
  NodeClassificationUnknownType:
    "This node type is unknown: use subject, bureau, provider or bank (for instance --type bank).",
  NodeClassificationZeroAddress: "The zero address was given: give the member's real address.",

  // ConsensusJudgment
  ConsensusAlreadyVoted:
    "This voter has voted on this proposal already: a vote cannot be changed; wait for the others.",
  ConsensusAlreadyVoter: "This account is a voter already: nothing to do.",
  ConsensusInvalidParameters:
    "The quorum or the voting period is out of range: give a quorum fraction between 0 and 1 and a positive period.",
  ConsensusLastVoter: "The last voter cannot be removed: add another voter first.",
  ConsensusNodeAlreadyActive: "This account is already an active member: no vote is needed.",
  ConsensusNodeNotActive:
    "This account is not an active member, so it cannot be removed: check blindcredit member status.",
  ConsensusNonexistentProposal: "There is no proposal with this id: list the open ones with blindcredit voter list.",
  ConsensusNotVoter: "This account is not a voter: check the address, or list the voters with blindcredit voter list.",
  ConsensusProposalPending:
    "This account's application is open already: vote on it (blindcredit voter list) rather than applying again.",
  ConsensusSelfRevocation:
    "A vote may not take a role away from the consensus contract itself (the consortium would lose that power for good): propose another change.",
  ConsensusTooManyOpenProposals:
    "This voter holds as many open proposals as allowed: wait until one is decided or expires (blindcredit voter list).",
  ConsensusQuorumTooLow: "The quorum is too low to be safe: choose a higher quorum fraction.",
  ConsensusUnauthorizedProposer: "Only a voter may open this kind of proposal: ask a voter to propose it.",
  ConsensusUnauthorizedVoter: "This account is not a voter: only voters may vote; sign with a voter's account.",
  ConsensusUnexpectedProposalState:
    "The proposal is no longer open (it was executed, defeated or expired): see blindcredit voter list, and open a new proposal if needed.",
  ConsensusUnknownNodeType: "This node type is unknown: use subject, bureau, provider or bank.",
  ConsensusVoterNotEligible:
    "This voter joined after the proposal opened, so it may not vote on it: ask the voters of that time.",
  ConsensusZeroAddress: "The zero address was given: give the member's real address.",

  // HistoryRecord
  HistoryRecordInvalidPageSize: "The page size is out of range: ask for 1 to 100 entries (--limit).",
  HistoryRecordUnauthorizedLinker:
    "Only the suite's own contracts may write the history record: use the command for the step instead.",
  HistoryRecordZeroAddress: "The zero address was given: give a real address.",
};

/**
 * Why a bureau refuses a check (`RefusalReason`, recorded on-chain), in words with what the bank can do next. The
 * bureau's own reason text stays with the bureau: it may name a field of the subject's record, a second bit.
 */
export const REFUSAL_EXPLANATIONS: Readonly<Record<string, string>> = {
  NoData:
    "the bureau holds no usable record of the subject (none committed on-chain, not delivered to the bureau, or without a field the form asks for): the subject's information provider must submit the full record (blindcredit provider submit), then run the check again.",
  TamperedData:
    "the bureau's copy of the subject's record failed its integrity check against the on-chain hash: the bureau operator must restore it from the provider; run the check again later.",
  InvalidProof:
    "the bureau could not verify your key or share proofs: check that your key file is the one registered (blindcredit bank register-key) and run the check again.",
  GrantRevoked:
    "the subject revoked or changed the grant this check used while it ran: ask the subject for access again (blindcredit bank request-access).",
  InvalidMessage:
    "the bureau found your message malformed or bound to another check: run the check again with this version of blindcredit.",
};

/**
 * BlindCredit's public API: what a bank's, a credit subject's, an information provider's, a voter's and a bureau
 * operator's code may use, grouped by role (`import { BankClient } from "blindcredit"`). Everything else in `src/` is
 * internal: the protocol's computations, the stores, the worker pools, the command line; they change without notice.
 *
 * Adding a name here widens the surface a user may depend on: test/publicApi.test.ts pins the list, so that the change
 * is visible in review.
 * @module
 */

// --- Every role: the deployed contracts, their enums, permission levels and the consortium's credit schema ----------

export { SUITE_CONTRACTS, loadDeployedSuite, readDeploymentRecords } from "./deployments";
export type { DeploymentRecord, DeploymentRecords, SuiteContract } from "./deployments";
export { connectSuite, suiteAt } from "./suite";
export type { Suite, SuiteAddresses } from "./suite";
// The contracts' enums, their names and parsers: all of src/contractEnums.ts (kept in step with the contracts).
export * from "./contractEnums";
export { ALL_LEVELS, Level, levelNames, parseLevels } from "./permissions";
export type { Terms } from "./permissions";
export {
  DEFAULT_SCHEMA,
  describeSchema,
  fieldNamed,
  formatFieldValue,
  parseFieldValue,
  parseSchema,
} from "./protocol/schema";
export type { CreditField, CreditSchema } from "./protocol/schema";
export { deploymentSchema, loadSchemaFile, SCHEMA_ENV } from "./protocol/schemaFile";
// Signed requests to a bureau's API are bound to the bureau's address, which the caller names (`BureauParty`).
export { BureauRefused, BureauUnavailable } from "./clients/bureauRequest";
export type { BureauParty } from "./clients/bureauRequest";

// --- Consortium members (banks, providers, voters): admission by vote, and asking a subject for a grant -------------

export { castVote, isMemberAs, readProposal, requestAdmission } from "./clients/consortium";
export type { AdmissionRequest, ProposalView } from "./clients/consortium";
export { findPermissionRecord, requestAnswer } from "./clients/consent";
export type { RequestAnswer } from "./clients/consent";

// --- A bank: its Paillier key, a whole check through the bureau's API, and the record and receipt of its decision ---

export { BankClient, CheckWaitError, DEFAULT_CHECK_DURATION, DEFAULT_WAIT_MS, waitForState } from "./clients/bankCheck";
export type {
  BankCheck,
  BankClientOptions,
  BankDecision,
  BankStage,
  CheckOutcome,
  CheckRequest,
  RunCheckOptions,
  SavedCheck,
  WaitOptions,
} from "./clients/bankCheck";
export { HttpBoard, reserveComparisonKey } from "./clients/httpBoard";
export type { MessageBoard } from "./protocol/board";
export type { BankView } from "./protocol/bank";
export { OPERATORS } from "./protocol/form";
export type { Condition, Operator } from "./protocol/form";
export { MAX_CONDITIONS, MAX_SET_VALUES } from "./protocol/messageLimits";
export {
  PaillierPrivateKey,
  PaillierPublicKey,
  RandomnessPool,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
} from "./paillier";
export type { PaillierKeyPair, PaillierPrivateKeyJson, PaillierPublicKeyJson, RandomizerSource } from "./paillier";
// What a bank that keeps running precomputes (`BankClientOptions`): shares, and re-randomisers for comparison keys.
export { SharePool, ShareWorkers } from "./proofs";
export { DgkPublicKey, DgkRandomizerPool, DgkRandomizerWorkers } from "./dgk";
export {
  RECEIPT_FORMAT,
  decisionRecordOf,
  parseDecisionClaim,
  receiptLink,
  receiptOfRecord,
} from "./clients/decisionRecord";
export type { DecisionClaim, DecisionRecord, SubjectReceipt } from "./clients/decisionRecord";
// A scorecard (the bank's secret credit model, one condition of a form): made from a fitted model, or written.
export { DEFAULT_WEIGHT_BITS, isScorecard, scorecardHolds } from "./protocol/scorecard";
export type { Scorecard, ScorecardCondition } from "./protocol/scorecard";
export { MODEL_FORMAT, convertModel, parseModelFile, scorecardFromModel } from "./protocol/model";
export type { ModelConversion, ModelOptions, ModelScorecard, ScorecardModel } from "./protocol/model";

// --- A credit subject: its standing, requests and grants, who checked it, its own record, signed consents ------------

export {
  PAGE,
  approve,
  auditTrail,
  categoriesOf,
  checksOf,
  decline,
  grant,
  grantsOf,
  memberOf,
  pendingRequests,
  readOwnRecord,
  revoke,
  standingOf,
  verifyDecision,
} from "./clients/subject";
export type {
  AuditRow,
  CategoryRow,
  CheckRow,
  DecisionCheck,
  GrantRow,
  GrantTerms,
  Member,
  OwnRecord,
  PendingRequest,
  Standing,
  SubjectContracts,
} from "./clients/subject";
export { identityCommitment } from "./clients/identity";
export type { IdentityCommitment } from "./clients/identity";
export { CONSENT_TYPES, consentDomain, signConsent } from "./clients/consent";
export type { Consent } from "./clients/consent";
export { parseReceiptLink } from "./clients/decisionRecord";

// --- An information provider: a subject's credit record, delivered to the bureau and committed on-chain -------------

export { deliverCreditRecord, submitCreditRecord } from "./clients/provider";
export type { StoredRecordReceipt } from "./clients/provider";
export {
  CREDIT_RECORD_CATEGORY,
  RecordError,
  encodeRecord,
  newRecord,
  parseRecordFields,
  recordHash,
} from "./protocol/records";
export type { CreditRecord } from "./protocol/records";

// --- A bureau operator: the service (store, evaluator, API), its sealing key, the keys it makes on its first start,
// --- and moving its store between SQLite and PostgreSQL ---------------------------------------------------------------

export { DEFAULT_STOP_TIMEOUT_MS, startBureauService } from "./bureau/service";
export type { BureauService, BureauServiceOptions } from "./bureau/service";
export type { ApiLimits } from "./bureau/http";
export type { RetryPolicy } from "./bureau/evaluator";
export { StoreError } from "./bureau/store";
export {
  SealingError,
  SealingKey,
  generateSealingKey,
  loadSealingKey,
  saveSealingKey,
  sealingKeyFromHex,
} from "./bureau/sealing";
export { MigrationError, migrateStore } from "./bureau/migrateStore";
export type { MigrateStoreOptions, MigrationReport } from "./bureau/migrateStore";
export { DgkPrivateKey, exportDgkPrivateKey, generateDgkKeyPair, importDgkPrivateKey } from "./dgk";
export { exportRingPedersen, generateRingPedersen, importRingPedersen } from "./proofs";
export type { RingPedersenSecret } from "./proofs";

/** Deployment-wide values every process must agree on (e.g. the form-token signing key). */
export interface SettingRepository {
  /** The stored value of `key`; stores `value` first when there is none (the first process wins). */
  getOrCreate(key: string, value: string): Promise<string>;
}

"""United States: SSN, ITIN, Medicare (MBI, HICN), NPI, DEA, NDC, ICD-10-CM, CPT/HCPCS, ZIP codes."""
